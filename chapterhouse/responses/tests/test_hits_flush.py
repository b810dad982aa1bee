"""Hits: the flush that moves buffered visits into the database, across
processes, and on to the listings sorted by hits."""

import datetime
import shutil
import socket
import subprocess
import time

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.responses.models import HitDay, HitVisit
from chapterhouse.responses.services import hits
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"


@pytest.fixture(autouse=True)
def buffer():
    fresh = hits.MemoryBuffer()
    hits.hit_buffer_set(fresh)
    yield fresh
    hits.hit_buffer_set(hits.MemoryBuffer())


@pytest.fixture
def clean_visits(db):
    HitVisit.objects.all().delete()


def hit_count(work) -> int:
    return Work.objects.get(pk=work.pk).hit_count


def today():
    return timezone.localdate()


def test_flushing_twice_counts_nothing_new(clean_visits, work, buffer):
    buffer.add(today(), work.pk, "v1")
    buffer.add(today(), work.pk, "v2")
    assert hits.hits_flush() == 2
    assert hits.hits_flush() == 0
    assert hit_count(work) == 2


def test_a_visit_flushed_again_does_not_count_again(clean_visits, work, buffer):
    """A batch written once and retried (after a lost answer) counts once."""
    buffer.add(today(), work.pk, "v1")
    items = buffer.take(10)
    hits._write(items)
    hits._write(items)
    assert hit_count(work) == 1
    assert HitDay.objects.get(work=work).hits == 1


def test_two_processes_buffering_the_same_visitor_count_once(clean_visits, work, creator):
    other = WorkFactory(creator=creator)
    first, second = hits.MemoryBuffer(), hits.MemoryBuffer()
    for each in (first, second):
        each.add(today(), work.pk, "reader-a")
        each.add(today(), other.pk, "reader-a")
    second.add(today(), work.pk, "reader-b")
    hits.hit_buffer_set(first)
    assert hits.hits_flush() == 2
    hits.hit_buffer_set(second)
    assert hits.hits_flush() == 1
    assert hit_count(work) == 2 and hit_count(other) == 1
    assert HitDay.objects.get(work=work, day=today()).hits == 2


def test_a_failed_flush_keeps_the_visits_for_the_next(clean_visits, work, buffer, monkeypatch):
    buffer.add(today(), work.pk, "v1")
    real = hits._insert_visits

    def failing(rows):
        raise RuntimeError("database away")

    monkeypatch.setattr(hits, "_insert_visits", failing)
    with pytest.raises(RuntimeError):
        hits.hits_flush()
    assert buffer.has_pending()
    monkeypatch.setattr(hits, "_insert_visits", real)
    assert hits.hits_flush() == 1
    assert hit_count(work) == 1


def test_a_flush_with_nothing_waiting_asks_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert hits.hits_flush() == 0


def test_a_flush_takes_a_fixed_number_of_queries(clean_visits, creator, buffer,
                                                  django_assert_max_num_queries):
    works = [WorkFactory(creator=creator) for _ in range(12)]
    hits._prune_state["at"] = time.monotonic()  # no prune in this flush
    for n, each in enumerate(works):
        for visitor in range(n + 1):
            buffer.add(today(), each.pk, f"visitor-{visitor}")
    # Savepoint, lock works, insert visits, days, counters, outbox, release;
    # no new versions (cached blurbs leave the hit count out).
    with django_assert_max_num_queries(7):
        assert hits.hits_flush() == sum(range(1, 13))
    assert [hit_count(each) for each in works] == list(range(1, 13))


def test_a_flush_tells_the_listings_once(clean_visits, work, creator, buffer):
    other = WorkFactory(creator=creator)
    OutboxEvent.objects.all().delete()
    buffer.add(today(), work.pk, "v1")
    buffer.add(today(), other.pk, "v1")
    hits.hits_flush()
    (event,) = OutboxEvent.objects.all()
    # Marked as hit counts alone: the HTTP cache keeps its copies for them.
    assert event.payload == {"work_ids": sorted([work.pk, other.pk]), "hits_only": True}


def test_visits_to_a_deleted_work_are_dropped(clean_visits, work, creator, buffer):
    other = WorkFactory(creator=creator)
    buffer.add(today(), work.pk, "v1")
    buffer.add(today(), other.pk, "v1")
    Work.objects.filter(pk=work.pk).delete()
    assert hits.hits_flush() == 1
    assert hit_count(other) == 1


def test_old_visits_are_pruned_and_recent_ones_kept(clean_visits, work, buffer):
    for days in (0, 1, 2, 3, 10):
        HitVisit.objects.create(
            day=today() - datetime.timedelta(days=days), work_id=work.pk, visitor="old"
        )
    hits._prune_state["at"] = 0.0
    buffer.add(today(), work.pk, "new")
    hits.hits_flush()
    kept = sorted((today() - d).days for d in HitVisit.objects.values_list("day", flat=True))
    assert kept == [0, 0, 1, 2]


def test_hits_reach_the_listing_sorted_by_hits(clean_visits, creator):
    quiet = WorkFactory(creator=creator, title="Quiet Harbour")
    busy = WorkFactory(creator=creator, title="Busy Harbour")
    url = "/works?work_search[sort_column]=hits"

    def listing():
        page = BeautifulSoup(Client().get(url).content.decode(), "html.parser")
        return [
            (li.select_one("h4.heading a").get_text(), li.select_one("dd.hits").get_text())
            for li in page.select('li[class="work blurb group"]')
        ]

    def read(work, *addresses):
        for address in addresses:
            guest = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=address)
            guest.get(f"/works/{work.pk}")
            guest.post(f"/works/{work.pk}/hit")  # the shared page's script

    listing()  # the index is built before any visit
    read(quiet, "192.0.2.1")
    hits.hits_flush()
    assert listing() == [("Quiet Harbour", "1"), ("Busy Harbour", "0")]
    read(busy, "192.0.2.1", "192.0.2.2", "192.0.2.3")
    started = time.monotonic()
    hits.hits_flush()
    assert listing() == [("Busy Harbour", "3"), ("Quiet Harbour", "1")]
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_a_single_process_site_writes_hits_on_its_own_within_seconds(monkeypatch):
    """Served outside a test transaction, the first hit starts the timer
    thread that flushes this process's buffer; no worker needed."""
    monkeypatch.setattr(hits, "FLUSH_INTERVAL", 0.2)
    work = WorkFactory()
    guest = Client(HTTP_USER_AGENT=BROWSER)
    assert guest.get(f"/works/{work.pk}").status_code == 200
    assert guest.post(f"/works/{work.pk}/hit").status_code == 204  # the page's script
    deadline = time.monotonic() + 5
    while hit_count(work) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hit_count(work) == 1
    timer = hits._timer_state["timer"]
    if timer is not None:
        timer.join(2)


# With Redis ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603
        [server, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(5)


def test_with_redis_every_process_shares_one_buffer(clean_visits, work, creator, redis_url):
    web_one = hits.RedisBuffer(redis_url, "test")
    web_two = hits.RedisBuffer(redis_url, "test")
    worker = hits.RedisBuffer(redis_url, "test")
    web_one.clear()
    other = WorkFactory(creator=creator)
    assert web_one.add(today(), work.pk, "reader-a") is True
    assert web_two.add(today(), work.pk, "reader-a") is False  # already queued today
    web_two.add(today(), other.pk, "reader-a")
    web_two.add(today(), work.pk, "reader-b")
    hits.hit_buffer_set(worker)  # the worker's flush sees the web processes' visits
    assert hits.hits_flush() == 3
    assert not worker.has_pending()
    assert hits.hits_flush() == 0
    assert hit_count(work) == 2 and hit_count(other) == 1
    web_one.clear()


def test_with_redis_a_failed_flush_puts_the_visits_back(clean_visits, work, redis_url,
                                                         monkeypatch):
    buffer = hits.RedisBuffer(redis_url, "test")
    buffer.clear()
    buffer.add(today(), work.pk, "reader-a")
    hits.hit_buffer_set(buffer)
    monkeypatch.setattr(hits, "_insert_visits", lambda rows: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        hits.hits_flush()
    monkeypatch.undo()
    assert hits.hits_flush() == 1
    buffer.clear()
