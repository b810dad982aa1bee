"""The audit log: what an entry keeps, and the /moderation/audit page
(newest first, filters, a readable before → after, target links)."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.audit import audit_record
from chapterhouse.moderation.models import AuditEntry
from chapterhouse.moderation.roles import role_grant
from chapterhouse.moderation.tests.helpers import signed_in_client as signed_in
from chapterhouse.moderation.views.admins import AUDIT_PER_PAGE, audit_diff
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

PAGE = "/moderation/audit"



def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def entry_ids(soup) -> list[int]:
    return [int(li["id"].removeprefix("audit_")) for li in soup.select("li.audit.entry")]


@pytest.fixture
def boss(make_admin):
    return make_admin("ines")


@pytest.fixture
def client(boss):
    return signed_in(boss)


# The record itself --------------------------------------------------------------


def test_entry_keeps_actor_target_and_states(boss):
    work = WorkFactory(title="Lanterns Over Harrowgate")
    entry = audit_record(actor=boss, action="work.hide", target=work,
                         before={"hidden_by_admin": False}, after={"hidden_by_admin": True},
                         reason="Reported as spam")
    assert (entry.actor_name, entry.target_type, entry.target_id, entry.target_label) == (
        "ines", "work", work.pk, "Lanterns Over Harrowgate")


def test_entry_outlives_its_actor(boss):
    entry = audit_record(actor=boss, action="site.switches", after={"guest_kudos": False})
    boss.delete()
    entry.refresh_from_db()
    assert entry.actor is None and entry.actor_name == "ines"


def test_readable_diff_leaves_out_what_stayed_the_same():
    rows = audit_diff(
        {"hidden": False, "roles": ["support"], "note": "same", "limits": {"days": 3}},
        {"hidden": True, "roles": ["support", "wrangler"], "note": "same",
         "limits": {"days": 7}, "until": None},
    )
    assert rows == [
        {"field": "hidden", "before": "no", "after": "yes", "change": "changed"},
        {"field": "limits.days", "before": "3", "after": "7", "change": "changed"},
        {"field": "roles", "before": "support", "after": "support, wrangler",
         "change": "changed"},
        {"field": "until", "before": "", "after": "(none)", "change": "added"},
    ]
    assert audit_diff({"title": "Old"}, {}) == [
        {"field": "title", "before": "Old", "after": "", "change": "removed"}]


# The page ----------------------------------------------------------------------------


def test_page_shows_who_what_target_change_and_reason_newest_first(boss, client):
    helper = UserFactory(username="teodor")
    role_grant(actor=boss, user=helper, role="support", reason="Runs the newsletter")
    work = WorkFactory(title="Lanterns Over Harrowgate")
    audit_record(actor=boss, action="work.hide", target=work,
                 before={"hidden_by_admin": False}, after={"hidden_by_admin": True},
                 reason="Copied from another site")
    soup = soup_of(client.get(PAGE))
    first, second = soup.select("li.audit.entry")
    assert first.select_one("code.action").text == "work.hide"
    assert first.select_one(".actor").text.strip() == "ines"
    assert first.select_one(".target a")["href"] == f"/works/{work.pk}"
    assert first.select_one(".target a").text.strip() == "Lanterns Over Harrowgate"
    change = first.select_one("table.audit.diff tbody tr")
    assert [c.text for c in change.select("th, td")] == ["hidden_by_admin", "no", "yes"]
    assert first.select_one(".reason").text.strip() == "Copied from another site"
    assert second.select_one(".target a")["href"] == "/users/teodor"
    assert [c.text for c in second.select("table.audit.diff td")] == ["(none)", "support"]


def test_gone_target_is_named_but_not_linked(boss, client):
    work = WorkFactory(title="A Map of Small Rooms")
    audit_record(actor=boss, action="work.delete", target=work, reason="Requested")
    work.delete()
    target = soup_of(client.get(PAGE)).select_one("li.audit.entry .target")
    assert "A Map of Small Rooms" in target.text
    assert "(no longer exists)" in target.text
    assert not target.select(f'a[href="/works/{work.pk}"]')


def test_renamed_user_target_links_to_her_new_name(boss, client):
    helper = UserFactory(username="teodor")
    role_grant(actor=boss, user=helper, role="support")
    helper.username = "teodor_b"
    helper.save()
    link = soup_of(client.get(PAGE)).select_one("li.audit.entry .target a")
    assert link["href"] == "/users/teodor_b"


@pytest.fixture
def varied_log(boss, make_admin):
    other = make_admin("odile", role="policy_abuse")
    work = WorkFactory(title="Tidewater")
    entries = {
        "hide": audit_record(actor=boss, action="work.hide", target=work),
        "unhide": audit_record(actor=other, action="work.unhide", target=work),
        "suspend": audit_record(actor=other, action="user.suspend",
                                target=UserFactory(username="spammy")),
        "news": audit_record(actor=boss, action="news.create"),
    }
    AuditEntry.objects.filter(pk=entries["hide"].pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10))
    return entries, work


@pytest.mark.parametrize(("query", "expected"), [
    ("actor=ODILE", ["suspend", "unhide"]),
    ("action=work.hide", ["hide"]),
    ("action=work", ["unhide", "hide"]),
    ("target_type=user", ["suspend"]),
    ("target_type=work&actor=ines", ["hide"]),
    ("actor=nobody", []),
])
def test_filters(query, expected, varied_log, client):
    entries, _ = varied_log
    soup = soup_of(client.get(f"{PAGE}?{query}"))
    assert entry_ids(soup) == [entries[name].pk for name in expected]


def test_filter_by_target_id(varied_log, client):
    entries, work = varied_log
    soup = soup_of(client.get(f"{PAGE}?target_type=work&target_id={work.pk}"))
    assert entry_ids(soup) == [entries["unhide"].pk, entries["hide"].pk]


def test_filter_by_date_range_includes_both_ends(varied_log, client):
    entries, _ = varied_log
    today = timezone.localdate()
    old_day = today - datetime.timedelta(days=10)
    soup = soup_of(client.get(f"{PAGE}?date_from={old_day}&date_to={old_day}"))
    assert entry_ids(soup) == [entries["hide"].pk]
    recent = soup_of(client.get(f"{PAGE}?date_from={today - datetime.timedelta(days=1)}"))
    assert entries["hide"].pk not in entry_ids(recent)
    assert len(entry_ids(recent)) == 3


def test_bad_filters_are_shown_and_the_whole_log_stays(varied_log, client):
    soup = soup_of(client.get(f"{PAGE}?date_from=2030-01-02&date_to=2030-01-01"))
    assert "The start date is after the end date." in soup.select_one("#error").text
    assert len(entry_ids(soup)) == 4
    soup = soup_of(client.get(f"{PAGE}?target_id=lots"))
    assert soup.select_one("#id_target_id_field p.error")


def test_pages_of_fifty_keep_the_filters(boss, client):
    for n in range(AUDIT_PER_PAGE + 5):
        audit_record(actor=boss, action="news.create", reason=f"post {n}")
    audit_record(actor=boss, action="work.hide")
    first = soup_of(client.get(f"{PAGE}?action=news"))
    assert len(entry_ids(first)) == AUDIT_PER_PAGE
    assert first.select_one("li.audit.entry .reason").text.strip() == f"post {AUDIT_PER_PAGE + 4}"
    next_link = first.select_one("ol.pagination a[rel=next]")["href"]
    assert "action=news" in next_link and "page=2" in next_link
    second = soup_of(client.get(next_link))
    assert len(entry_ids(second)) == 5
    assert second.select_one("li.audit.entry:last-child .reason").text.strip() == "post 0"


def test_only_those_with_the_audit_permission_read_it(make_admin):
    audit_record(actor=None, action="site.switches", reason="Night of spam")
    policy = make_admin("odile", role="policy_abuse")
    assert signed_in(policy).get(PAGE).status_code == 403
    page = Client().get(PAGE)
    assert page.status_code == 302 and page["Location"].startswith("/users/login?")
