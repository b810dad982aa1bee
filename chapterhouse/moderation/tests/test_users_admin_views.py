"""The admin pages about users: search, the overview and its forms, per role."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import AdminNote, AuditEntry, Report, Sanction, SanctionKind
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

FORMS = ["note", "warn", "suspend", "ban", "spam_ban", "unsuspend"]


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def said(node) -> str:
    return " ".join(node.get_text().split())


@pytest.fixture
def target(db):
    user = UserFactory(username="quill_moth", email="moth@example.org")
    WorkFactory(creator=user, title="Moth Light")
    return user


def two_factor_client(admin_client, user, *, mfa: bool = True) -> Client:
    return admin_client(user, mfa=mfa)


@pytest.fixture
def as_role(make_admin, admin_client):
    def make(role):
        return two_factor_client(admin_client, make_admin(f"admin_{role}", role))

    return make


def test_search_by_name_or_email(as_role, target):
    client = as_role("support")
    for query in ["moth", "MOTH@example"]:
        page = soup(client.get("/moderation/users", {"q": query}))
        links = [a["href"] for a in page.select("table.users a")]
        assert links == ["/moderation/users/quill_moth"], query
    page = soup(client.get("/moderation/users", {"q": "nobody-here"}))
    assert "No account has that name or address." in said(page)


def test_overview_shows_the_account(as_role, target, reader):
    work = WorkFactory(creator=target, title="Second Moth")
    comment_create(work=WorkFactory(title="Elsewhere"), viewer=target, content="Hello!")
    Report.objects.create(target_type="user", target_id=target.pk, reporter=reader,
                          category="harassment", text="Rude to me.")
    page = soup(as_role("support").get("/moderation/users/quill_moth"))
    assert page.select_one("#main")["class"] == ["admin", "users-show", "region"]
    assert said(page.select_one("dd.email")) == "moth@example.org"
    assert said(page.select_one("dd.works")) == "2"
    assert said(page.select_one("dd.comments")) == "1"
    assert said(page.select_one("dd.standing")) == "in good standing"
    assert f"/works/{work.pk}" in [a["href"] for a in page.select("section.made a")]
    assert "Harassment or threats" in said(page.select_one("section.reports"))
    assert "Second Moth" in said(page.select_one("section.made"))


def test_support_sees_only_the_note_form(as_role, target):
    page = soup(as_role("support").get("/moderation/users/quill_moth"))
    assert page.select_one("form#user-note")
    for action in FORMS[1:]:
        assert page.select_one(f"form#user-{action}") is None, action


def test_policy_and_abuse_sees_every_form_with_labels(as_role, target):
    page = soup(as_role("policy_abuse").get("/moderation/users/quill_moth"))
    for action in FORMS:
        form = page.select_one(f"form#user-{action}")
        assert form["action"] == f"/moderation/users/quill_moth/{action}"
        for field in form.select("textarea, input[type=number]"):
            assert page.select_one(f"label[for={field['id']}]"), (action, field["id"])
    assert "does not bring these back" in said(page.select_one("form#user-spam_ban"))


def test_wrangler_gets_403_everywhere(as_role, target):
    client = as_role("wrangler")
    assert client.get("/moderation/users").status_code == 403
    assert client.get("/moderation/users/quill_moth").status_code == 403
    for action in FORMS:
        answer = client.post(f"/moderation/users/quill_moth/{action}",
                             {"reason": "x", "text": "x", "days": "3"})
        assert answer.status_code == 403, action
    assert not Sanction.objects.exists() and not AdminNote.objects.exists()


@pytest.mark.parametrize("action", FORMS[1:])
def test_support_may_not_sanction(as_role, target, action):
    answer = as_role("support").post(f"/moderation/users/quill_moth/{action}",
                                     {"reason": "Because.", "days": "3"})
    assert answer.status_code == 403
    assert not Sanction.objects.exists()


def test_guest_is_sent_to_log_in(target):
    answer = Client().get("/moderation/users/quill_moth")
    assert answer.status_code == 302 and answer["Location"].startswith("/users/login?")


def test_admin_without_second_factor_is_asked_for_it(make_admin, admin_client, target):
    client = two_factor_client(admin_client, make_admin("nofactor", "policy_abuse"), mfa=False)
    assert client.get("/moderation/users/quill_moth").status_code == 403
    assert client.post("/moderation/users/quill_moth/ban", {"reason": "x"}).status_code == 403
    assert not Sanction.objects.exists()


def test_support_adds_a_note(as_role, target):
    client = as_role("support")
    answer = client.post("/moderation/users/quill_moth/note", {"text": "Wrote in about a typo."})
    assert answer.status_code == 302
    page = soup(client.get(answer["Location"]))
    assert "The note was added." in said(page.select_one(".flash"))
    assert "Wrote in about a typo." in said(page.select_one("section.notes"))


def test_suspend_through_the_page(as_role, target):
    client = as_role("policy_abuse")
    answer = client.post("/moderation/users/quill_moth/suspend",
                         {"days": "5", "reason": "Spoiling other works."})
    assert answer.status_code == 302
    page = soup(client.get(answer["Location"]))
    assert "quill_moth is suspended until" in said(page.select_one(".flash"))
    assert said(page.select_one("dd.standing")).startswith("suspended until")
    sanction = Sanction.objects.get()
    assert sanction.kind == SanctionKind.SUSPENSION and sanction.reason == "Spoiling other works."
    assert AuditEntry.objects.get().action == "user.suspend"


def test_bad_input_is_shown_and_kept(as_role, target):
    client = as_role("policy_abuse")
    answer = client.post("/moderation/users/quill_moth/suspend",
                         {"days": "0", "reason": "Spoiling other works."})
    assert answer.status_code == 422
    page = soup(answer)
    assert "from 1 to" in said(page.select_one("#suspend-days-errors"))
    assert page.select_one("#suspend-reason").text.strip() == "Spoiling other works."
    assert page.select_one("#ban-reason").text.strip() == ""
    assert not Sanction.objects.exists()


def test_spam_ban_then_lift_through_the_page(as_role, target):
    client = as_role("policy_abuse")
    client.post("/moderation/users/quill_moth/spam_ban", {"reason": "Link spam."})
    moth_light = Work.objects.get(title="Moth Light")
    assert Client().get(f"/works/{moth_light.pk}").status_code == 404
    page = soup(client.get("/moderation/users/quill_moth"))
    assert said(page.select_one("dd.standing")) == "banned as a spammer"
    assert "(hidden)" in said(page.select_one("section.made"))
    assert "stays hidden" in said(page.select_one("form#user-unsuspend"))
    answer = client.post("/moderation/users/quill_moth/unsuspend", {"reason": "Recovered."})
    assert answer.status_code == 302
    page = soup(client.get("/moderation/users/quill_moth"))
    assert said(page.select_one("dd.standing")) == "in good standing"
    assert "(hidden)" in said(page.select_one("section.made"))


def test_unknown_user_is_404(as_role):
    assert as_role("support").get("/moderation/users/no_such_person").status_code == 404
