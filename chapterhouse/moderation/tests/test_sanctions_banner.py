"""What a sanctioned user sees at the top of every page: her suspension or
ban, and a warning until she says she has read it; and what it costs."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chapterhouse.moderation.models import Sanction, SanctionKind

pytestmark = pytest.mark.django_db

UNTIL = datetime.datetime(2030, 11, 28, 14, 0, tzinfo=datetime.UTC)


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def said(node) -> str:
    return " ".join(node.get_text().split())


def test_suspended_user_sees_why_and_until_when_on_every_page(reader, reader_client, work):
    Sanction.objects.create(user=reader, kind=SanctionKind.SUSPENSION, until=UNTIL,
                            reason="Repeated insults in comments.")
    for path in ["/", f"/works/{work.pk}", f"/users/{reader.username}"]:
        banner = soup(reader_client.get(path)).select_one("#inner > #sanction-notice")
        assert banner is not None, path
        assert said(banner).startswith(
            "Your account is suspended until 28 Nov 2030 14:00 UTC. "
            "Reason: Repeated insults in comments.")
        assert "You can still read" in said(banner)


def test_banned_user_sees_indefinitely(reader, reader_client):
    Sanction.objects.create(user=reader, kind=SanctionKind.SPAM_BAN, reason="Link spam.")
    banner = soup(reader_client.get("/")).select_one("#sanction-notice")
    assert said(banner).startswith("Your account has been banned indefinitely. Reason: Link spam.")


def test_others_and_guests_see_no_banner(reader, client, other_user, logged_in):
    Sanction.objects.create(user=reader, kind=SanctionKind.BAN, reason="Threats.")
    assert soup(client.get("/")).select_one("#sanction-notice") is None
    assert soup(logged_in(other_user).get("/")).select_one("#sanction-notice") is None


def test_lifted_or_ended_sanctions_show_nothing(reader, reader_client):
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    Sanction.objects.create(user=reader, kind=SanctionKind.SUSPENSION, until=past, reason="Old.")
    Sanction.objects.create(user=reader, kind=SanctionKind.BAN, reason="Lifted.", lifted_at=past)
    page = soup(reader_client.get("/"))
    assert page.select_one("#sanction-notice") is None


def test_reason_is_shown_as_text_not_html(reader, reader_client):
    Sanction.objects.create(user=reader, kind=SanctionKind.BAN, reason="<b>bold</b> spam")
    page = soup(reader_client.get("/"))
    assert page.select_one("#sanction-notice b") is None
    assert "<b>bold</b> spam" in said(page.select_one("#sanction-notice"))


def test_warning_shows_until_read_then_is_gone(reader, reader_client, work):
    warning = Sanction.objects.create(user=reader, kind=SanctionKind.WARNING,
                                      reason="Please keep criticism about the story.")
    page = soup(reader_client.get(f"/works/{work.pk}"))
    box = page.select_one(f"#warning-{warning.pk}")
    assert "Please keep criticism about the story." in said(box)
    form = box.select_one("form")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert said(form.select_one("button")) == "I have read this"
    # Still there on the next page until she presses the button.
    assert soup(reader_client.get("/")).select_one(f"#warning-{warning.pk}")
    response = reader_client.post(form["action"], {"next": f"/works/{work.pk}"})
    assert response.status_code == 302 and response["Location"] == f"/works/{work.pk}"
    assert soup(reader_client.get(f"/works/{work.pk}")).select_one(".moderation-warning") is None
    warning.refresh_from_db()
    assert warning.acknowledged_at is not None


def test_acknowledge_needs_post_and_her_own_warning(reader, reader_client, other_user,
                                                    logged_in):
    warning = Sanction.objects.create(user=reader, kind=SanctionKind.WARNING, reason="Hm.")
    assert reader_client.get(f"/warnings/{warning.pk}/acknowledge").status_code == 405
    assert logged_in(other_user).post(f"/warnings/{warning.pk}/acknowledge").status_code == 404
    warning.refresh_from_db()
    assert warning.acknowledged_at is None


def test_acknowledge_does_not_redirect_off_site(reader, reader_client):
    warning = Sanction.objects.create(user=reader, kind=SanctionKind.WARNING, reason="Hm.")
    response = reader_client.post(f"/warnings/{warning.pk}/acknowledge",
                                  {"next": "https://elsewhere.example/"})
    assert response["Location"] == f"/users/{reader.username}"


def sanction_queries(client, path="/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum("moderation_sanction" in q["sql"] for q in queries.captured_queries)


def test_one_query_for_signed_in_users_none_for_guests(reader, reader_client, client):
    Sanction.objects.create(user=reader, kind=SanctionKind.WARNING, reason="Hm.")
    Sanction.objects.create(user=reader, kind=SanctionKind.SUSPENSION, until=UNTIL,
                            reason="Cool off.")
    assert sanction_queries(reader_client) == 1
    assert sanction_queries(client) == 0
