"""Hits: once per visitor per work per day, no bots, no creators, no drafts,
and nothing written while the page is served."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import HitDay, HitVisit
from chapterhouse.responses.services import hits
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture(autouse=True)
def buffer(hit_buffer):
    """A fresh in-memory buffer for each test (and no leftovers in the table)."""
    return hit_buffer


def visit(client, work, *, agent=BROWSER, path="", script=True, **extra):
    """Read the work as a browser does: a guest's shared page is counted by
    its script's beacon (responses/hits.js), which this sends when the page
    loads it and ``script`` is on; a signed-in reader's page counts itself."""
    response = client.get(f"/works/{work.pk}{path}", HTTP_USER_AGENT=agent, **extra)
    assert response.status_code == 200
    html = response.content.decode()
    if script and "responses/hits.js" in html:
        assert f'data-work-id="{work.pk}"' in html
        beacon = client.post(f"/works/{work.pk}/hit", HTTP_USER_AGENT=agent,
                             HTTP_SEC_FETCH_SITE="same-origin", **extra)
        assert beacon.status_code == 204
    return response


def hit_count(work) -> int:
    return Work.objects.get(pk=work.pk).hit_count


def test_a_reader_counts_once_a_day_however_often_she_reads(reader_client, work):
    for _ in range(3):
        visit(reader_client, work)
    assert hits.hits_flush() == 1
    visit(reader_client, work)
    assert hits.hits_flush() == 0
    assert hit_count(work) == 1
    assert HitDay.objects.get(work=work, day=timezone.localdate()).hits == 1


def test_chapters_of_one_work_count_as_one_visit(reader_client, creator):
    work = WorkFactory(creator=creator, chapters=3)
    visit(reader_client, work, path="?view_full_work=true")
    for chapter in work.chapters.all():
        visit(reader_client, work, path=f"/chapters/{chapter.pk}")
    hits.hits_flush()
    assert hit_count(work) == 1


def test_each_reader_and_each_guest_counts(reader_client, work, logged_in):
    visit(reader_client, work)
    visit(logged_in(UserFactory()), work)
    visit(Client(), work, REMOTE_ADDR="198.51.100.7")
    visit(Client(), work, REMOTE_ADDR="198.51.100.8")
    visit(Client(), work, REMOTE_ADDR="198.51.100.8")  # the same guest again
    hits.hits_flush()
    assert hit_count(work) == 4


def test_a_guest_on_one_address_with_another_browser_is_another_visitor(work):
    visit(Client(), work, REMOTE_ADDR="198.51.100.9")
    visit(Client(), work, REMOTE_ADDR="198.51.100.9", agent=BROWSER.replace("128", "129"))
    hits.hits_flush()
    assert hit_count(work) == 2


def test_no_address_or_session_key_is_stored(work):
    visit(Client(), work, REMOTE_ADDR="203.0.113.77")
    hits.hits_flush()
    (row,) = HitVisit.objects.all()
    assert "203.0.113" not in row.visitor and len(row.visitor) == 40


def test_the_same_reader_counts_again_the_next_day(reader_client, work, monkeypatch):
    visit(reader_client, work)
    hits.hits_flush()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr(hits.timezone, "localdate", lambda *args: tomorrow)
    visit(reader_client, work)
    hits.hits_flush()
    assert hit_count(work) == 2
    assert sorted(HitDay.objects.filter(work=work).values_list("hits", flat=True)) == [1, 1]


@pytest.mark.parametrize(
    "agent",
    [
        "",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "curl/8.5.0",
        "Wget/1.21.4",
        "Python-urllib/3.11",
        "Go-http-client/2.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/126.0 Safari/537.36",
    ],
)
def test_bots_and_bare_tools_do_not_count(work, agent):
    visit(Client(), work, agent=agent)
    assert hits.hits_flush() == 0
    assert hit_count(work) == 0


@pytest.mark.parametrize("agent", ["python-requests/2.32.3", "FanFicFare/4.40 (reader tool)"])
def test_fan_reading_tools_count_as_readers(work, agent):
    visit(Client(), work, agent=agent)
    assert hits.hits_flush() == 1


def test_a_browser_prefetch_does_not_count(reader_client, work):
    visit(reader_client, work, HTTP_SEC_PURPOSE="prefetch")
    # A guest's prefetched page runs no script until she opens it.
    visit(Client(), work, HTTP_SEC_PURPOSE="prefetch", script=False)
    assert hits.hits_flush() == 0


def test_creators_reading_their_own_work_do_not_count(creator_client, work):
    visit(creator_client, work)
    assert hits.hits_flush() == 0
    assert hit_count(work) == 0


def test_an_admin_reading_a_hidden_work_does_not_count(logged_in, work):
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    admin = UserFactory(is_staff=True)
    visit(logged_in(admin), work)
    assert hits.hits_flush() == 0


def test_drafts_and_hidden_works_never_count(reader):
    request = RequestFactory().get("/works/1", HTTP_USER_AGENT=BROWSER)
    request.user = reader
    draft = WorkFactory(posted=False)
    hidden = WorkFactory(hidden_by_admin=True)
    for work in (draft, hidden):
        hits.hit_record(request=request, page=SimpleNamespace(work=work, is_creator=False))
    assert hits.hits_flush() == 0


def test_a_post_does_not_count(reader, work):
    request = RequestFactory().post("/works/1", HTTP_USER_AGENT=BROWSER)
    request.user = reader
    hits.hit_record(request=request, page=SimpleNamespace(work=work, is_creator=False))
    assert hits.hits_flush() == 0


def test_the_page_writes_nothing_about_hits(reader_client, work):
    with CaptureQueriesContext(connection) as queries:
        visit(reader_client, work)
    sql = " ".join(q["sql"].lower() for q in queries)
    assert "hitvisit" not in sql and "hitday" not in sql and "hit_count\" =" not in sql
    assert hit_count(work) == 0
    assert hits.hit_buffer().has_pending()


def test_a_broken_buffer_never_costs_the_reader_the_page(reader_client, work, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("the buffer is away")

    monkeypatch.setattr(hits.hit_buffer(), "add", broken)
    visit(reader_client, work)
