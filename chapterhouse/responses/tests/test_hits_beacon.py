"""Guests' hits on shared work pages: the HTTP cache answers most guests
without asking the site, so the page's script counts the reading with
``POST /works/ID/hit`` (docs/hits-and-statistics.md). Same rules as any hit,
no cookie, no session, and a bounded cost."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.services import hits
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hit_buffer")]

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
OTHER_BROWSER = BROWSER.replace("128", "129")


def beacon(client, work_id, *, agent=BROWSER, **extra):
    extra.setdefault("HTTP_SEC_FETCH_SITE", "same-origin")
    return client.post(f"/works/{work_id}/hit", HTTP_USER_AGENT=agent, **extra)


def hit_count(work) -> int:
    return Work.objects.get(pk=work.pk).hit_count


def test_a_guest_page_is_counted_by_its_beacon_not_by_drawing_it(work):
    guest = Client()
    page = guest.get(f"/works/{work.pk}", HTTP_USER_AGENT=BROWSER)
    html = page.content.decode()
    assert "public" in page["Cache-Control"]
    assert f'<div class="work" data-work-id="{work.pk}">' in html
    assert "/static/responses/hits.js" in html
    # Drawing the shared copy counts no one: the cache will serve it to others.
    assert hits.hits_flush() == 0
    assert beacon(guest, work.pk).status_code == 204
    assert beacon(guest, work.pk).status_code == 204  # a reload the same day
    assert hits.hits_flush() == 1
    assert beacon(Client(), work.pk, agent=OTHER_BROWSER).status_code == 204
    assert hits.hits_flush() == 1
    assert hit_count(work) == 2


def test_a_signed_in_reader_is_counted_by_the_page_and_has_no_beacon(reader_client, work):
    page = reader_client.get(f"/works/{work.pk}", HTTP_USER_AGENT=BROWSER)
    assert "hits.js" not in page.content.decode()
    beacon(reader_client, work.pk)  # a stray beacon: still the same reader today
    assert hits.hits_flush() == 1
    assert hit_count(work) == 1


@pytest.mark.parametrize("agent", [
    "",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
    "curl/8.5.0",
])
def test_bots_are_not_counted(work, agent):
    assert beacon(Client(), work.pk, agent=agent).status_code == 204
    assert hits.hits_flush() == 0


def test_drafts_hidden_restricted_and_missing_works_are_refused_without_a_word(reader_client):
    draft = WorkFactory(posted=False)
    hidden = WorkFactory(hidden_by_admin=True)
    restricted = WorkFactory(restricted=True)
    answers = {beacon(Client(), pk).status_code
               for pk in (draft.pk, hidden.pk, restricted.pk, 987654)}
    assert answers == {204}
    assert hits.hits_flush() == 0
    # A signed-in reader may read the restricted work: her beacon counts.
    beacon(reader_client, restricted.pk)
    assert hits.hits_flush() == 1


def test_the_creators_own_visit_does_not_count(creator_client, work, logged_in):
    beacon(creator_client, work.pk)
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    beacon(logged_in(UserFactory(is_staff=True)), work.pk)  # an admin on a hidden work
    assert hits.hits_flush() == 0


def test_the_beacon_sets_no_cookie_makes_no_session_and_is_never_cached(work):
    guest = Client()
    guest.cookies["csrftoken"] = "x" * 32
    answer = beacon(guest, work.pk)
    assert answer.status_code == 204 and not answer.cookies
    assert "Set-Cookie" not in answer.headers
    assert "no-cache" in answer["Cache-Control"] and "public" not in answer["Cache-Control"]
    assert not Session.objects.exists()
    assert hits.hits_flush() == 1


def test_only_a_post_counts(work):
    assert Client().get(f"/works/{work.pk}/hit", HTTP_USER_AGENT=BROWSER).status_code == 405
    assert hits.hits_flush() == 0


def test_a_beacon_sent_from_another_site_does_not_count(work):
    beacon(Client(), work.pk, HTTP_SEC_FETCH_SITE="cross-site")
    beacon(Client(), work.pk, HTTP_SEC_FETCH_SITE=None, HTTP_ORIGIN="https://elsewhere.example")
    assert hits.hits_flush() == 0
    beacon(Client(), work.pk, HTTP_ORIGIN="http://testserver")
    assert hits.hits_flush() == 1


def test_a_guest_beacon_costs_one_query_and_a_flood_none(work, monkeypatch):
    monkeypatch.setattr(hits, "beacon_limiter", hits.BeaconLimiter(per_minute=3))
    guest = Client(REMOTE_ADDR="198.51.100.20")
    with CaptureQueriesContext(connection) as queries:
        assert beacon(guest, work.pk).status_code == 204
    assert len(queries) == 1
    beacon(guest, work.pk)
    beacon(guest, work.pk)
    with CaptureQueriesContext(connection) as queries:
        refused = beacon(guest, work.pk, agent=OTHER_BROWSER)
    assert refused.status_code == 429 and refused["Retry-After"] == "60"
    assert len(queries) == 0
    # Another address is not held back by the first one's flood.
    elsewhere = Client(REMOTE_ADDR="198.51.100.21")
    assert beacon(elsewhere, work.pk, agent=OTHER_BROWSER).status_code == 204
    assert hits.hits_flush() == 2
