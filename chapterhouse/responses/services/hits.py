"""Counting hits: once per visitor per work per day, without slowing the page.

The work page calls ``hit_record`` on every view. It decides whether the view
counts (not a bot, not one of the work's creators, not a draft or a hidden
work, a plain GET that is not a browser prefetch), names the visitor, and puts
``(day, work, visitor)`` in a buffer. It never touches the database.
A guest's shared work page (served to most guests by the HTTP cache) is not
counted there: its script sends ``POST /works/ID/hit`` and
``hit_beacon_record`` counts it by the same rules, with one query at most.

``hits_flush`` moves buffered visits into the database in one transaction:

1. the works of the batch are locked in id order (which also drops works
   deleted in the meantime);
2. the visits are inserted into ``HitVisit`` with ``ON CONFLICT DO NOTHING
   RETURNING``: only the rows that were really new come back, so a visitor
   flushed by two processes (or twice by one) counts once — the unique
   constraint is the judge, whatever the buffers believed;
3. the new visits are added to ``HitDay`` (per work per day, for statistics)
   and to ``Work.hit_count`` with ``F()`` updates;
4. ``discovery.receivers.work_changed`` is told once (``hits_only``), so
   listings sorted by hits re-sort; the works keep their version, so cached
   blurbs stay (they leave the hit count out and listings fill in the count
   they read, works/selectors/blurbs.py); the HTTP cache keeps its copies,
   whose hit counts catch up when their time is up;
5. now and then, ``HitVisit`` rows older than two days are pruned.

Buffers: with ``REDIS_URL`` set, one list in Redis shared by every process
(with a per-day set that drops repeat visits before they are queued), so the
background worker's flush empties it for all of them. Without Redis, each
process keeps its own buffer in memory; the worker cannot see it, so each
process flushes its own: the first buffered hit starts a timer thread that
flushes ``FLUSH_INTERVAL`` seconds later (the page itself never waits for it).
While Redis is away, a process with Redis configured keeps new visits in its
own memory the same way (``ResilientBuffer``) and flushes them itself; a
visit it cannot write stays there until the database answers (docs/outages.md).
See docs/hits-and-statistics.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone

from chapterhouse.discovery.receivers import work_changed
from chapterhouse.web.addresses import client_address
from chapterhouse.web.httpcache import is_shared_page
from chapterhouse.web.redisguard import connection_options, redis_call
from chapterhouse.works.models import Work

from ..models import HitDay, HitVisit

log = logging.getLogger(__name__)

#: Seconds between a buffered hit and the in-process flush that writes it.
FLUSH_INTERVAL = 2.0
#: Visits rows are kept this many days (a day's dedupe needs today's and,
#: around midnight, yesterday's).
VISIT_RETENTION_DAYS = 2
#: Seconds between prunes of old visit rows, per process.
PRUNE_EVERY = 3600.0
#: Visits written per INSERT (three parameters each).
BATCH_SIZE = 300
#: Batches one flush writes at most; the rest waits for the next flush.
MAX_BATCHES_PER_FLUSH = 50
#: A process buffers at most this many visits (when the database is away);
#: beyond it, new visits are dropped rather than growing without end.
MAX_PENDING = 200_000

#: Parts of a user agent that mark a crawler, a link previewer, a monitor or a
#: bare HTTP tool rather than a person reading. "python-requests" is left out
#: on purpose: the fan tools built on AO3's pages (FanFicFare, ao3-api) fetch
#: with it on behalf of a reader, and a reader downloading a work to read it
#: is a reader; the once-per-day rule keeps them from counting twice.
BOT_MARKERS = (
    "bot",
    "crawl",
    "spider",
    "slurp",
    "scrape",
    "archiver",
    "facebookexternalhit",
    "facebookcatalog",
    "embedly",
    "preview",
    "whatsapp",
    "mediapartners",
    "feedfetcher",
    "monitor",
    "pingdom",
    "uptime",
    "headlesschrome",
    "phantomjs",
    "lighthouse",
    "curl/",
    "wget/",
    "httpie/",
    "python-urllib",
    "python-httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "apache-httpclient",
    "node-fetch",
    "axios/",
)


def is_bot(user_agent: str) -> bool:
    """An empty user agent, or one with a known crawler or tool marker."""
    agent = (user_agent or "").strip().lower()
    if not agent:
        return True
    return any(marker in agent for marker in BOT_MARKERS)


def _is_prefetch(request) -> bool:
    """A browser fetching a page the reader may never open."""
    purpose = request.META.get("HTTP_SEC_PURPOSE") or request.META.get("HTTP_PURPOSE") or ""
    return "prefetch" in purpose.lower() or "prerender" in purpose.lower()


def _client_address(request) -> str:
    return client_address(request) or ""


def visitor_key(request, day: date) -> str:
    """Who is visiting, as a keyed hash that changes every day: the user id
    when signed in, else the session key, else the address and user agent.
    No address or session key is ever stored."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        who = f"user:{user.pk}"
    else:
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None) if session is not None else None
        if session_key:
            who = f"session:{session_key}"
        else:
            agent = request.META.get("HTTP_USER_AGENT", "")
            who = f"address:{_client_address(request)}|{agent}"
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"hits|{day.isoformat()}|{who}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:40]


# Buffers ------------------------------------------------------------------------------


class MemoryBuffer:
    """Visits waiting in this process. ``seen`` remembers what this process
    already flushed today, so a reader paging through chapters is queued once."""

    MAX_SEEN = 500_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[tuple[date, int, str]] = set()
        self._seen: set[tuple[date, int, str]] = set()
        self._seen_day: date | None = None

    def add(self, day: date, work_id: int, visitor: str) -> bool:
        item = (day, work_id, visitor)
        with self._lock:
            if item in self._pending or item in self._seen or len(self._pending) >= MAX_PENDING:
                return False
            self._pending.add(item)
            return True

    def has_pending(self) -> bool:
        return bool(self._pending)

    def take(self, limit: int) -> list[tuple[date, int, str]]:
        with self._lock:
            items = []
            while self._pending and len(items) < limit:
                items.append(self._pending.pop())
            today = timezone.localdate()
            if self._seen_day != today or len(self._seen) > self.MAX_SEEN:
                self._seen = {item for item in self._seen if item[0] == today}
                self._seen_day = today
                if len(self._seen) > self.MAX_SEEN:
                    self._seen.clear()
            self._seen.update(items)
            return items

    def give_back(self, items) -> None:
        with self._lock:
            self._seen.difference_update(items)
            self._pending.update(items)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()
            self._seen.clear()


#: Queues the visit unless the visitor was already seen on the work that day.
_REDIS_ADD = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


class RedisBuffer:
    """Visits waiting in Redis, shared by every app process and the worker.
    A day's set drops repeat visits; the list holds what is still to write.
    Taking is atomic (LRANGE and LTRIM in one transaction), so flushes running
    at once in several processes take disjoint batches."""

    def __init__(self, url: str, prefix: str = "") -> None:
        import redis

        self.client = redis.Redis.from_url(url, **connection_options())
        self.prefix = f"{prefix}:hits" if prefix else "hits"
        self.queue_key = f"{self.prefix}:queue"
        self._add = self.client.register_script(_REDIS_ADD)

    def add(self, day: date, work_id: int, visitor: str) -> bool:
        member = f"{work_id}:{visitor}"
        item = f"{day.isoformat()}|{work_id}|{visitor}"
        seen_key = f"{self.prefix}:seen:{day.isoformat()}"
        ttl = VISIT_RETENTION_DAYS * 86400
        return bool(self._add(keys=[seen_key, self.queue_key], args=[member, item, ttl]))

    def has_pending(self) -> bool:
        return bool(self.client.llen(self.queue_key))

    def take(self, limit: int) -> list[tuple[date, int, str]]:
        pipe = self.client.pipeline(transaction=True)
        pipe.lrange(self.queue_key, 0, limit - 1)
        pipe.ltrim(self.queue_key, limit, -1)
        raw, _ = pipe.execute()
        items = []
        for entry in raw:
            day, work_id, visitor = entry.decode().split("|", 2)
            items.append((date.fromisoformat(day), int(work_id), visitor))
        return items

    def give_back(self, items) -> None:
        if items:
            self.client.rpush(
                self.queue_key, *[f"{d.isoformat()}|{w}|{v}" for d, w, v in items]
            )

    def clear(self) -> None:
        keys = list(self.client.scan_iter(f"{self.prefix}:*"))
        if keys:
            self.client.delete(*keys)


class ResilientBuffer:
    """Redis when it answers, else this process's memory (``web/redisguard.py``).
    Visits kept in memory are flushed by this process like those of a site
    without Redis; one visitor counted through both still counts once, as the
    flush's unique constraint decides."""

    def __init__(self, shared: RedisBuffer, local: MemoryBuffer | None = None) -> None:
        self.shared = shared
        self.local = local or MemoryBuffer()

    def add(self, day: date, work_id: int, visitor: str) -> bool:
        return redis_call("hits", lambda: self.shared.add(day, work_id, visitor),
                          lambda: self.local.add(day, work_id, visitor))

    def has_pending(self) -> bool:
        return self.local.has_pending() or redis_call(
            "hits", self.shared.has_pending, lambda: False)

    def take(self, limit: int) -> list[tuple[date, int, str]]:
        items = self.local.take(limit)
        if len(items) < limit:
            items += redis_call("hits", lambda: self.shared.take(limit - len(items)), list)
        return items

    def give_back(self, items) -> None:
        def keep_here() -> None:
            self.local.give_back(items)

        redis_call("hits", lambda: self.shared.give_back(items), keep_here)

    def clear(self) -> None:
        self.local.clear()
        redis_call("hits", self.shared.clear, lambda: None)


_buffer_lock = threading.Lock()
_buffer_state: dict = {"pid": None, "buffer": None}


def hit_buffer():
    """This process's buffer: Redis when configured, else memory."""
    state = _buffer_state
    if state["buffer"] is None or state["pid"] != os.getpid():
        with _buffer_lock:
            if state["buffer"] is None or state["pid"] != os.getpid():
                if getattr(settings, "REDIS_URL", ""):
                    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
                    state["buffer"] = ResilientBuffer(RedisBuffer(settings.REDIS_URL, prefix))
                else:
                    state["buffer"] = MemoryBuffer()
                state["pid"] = os.getpid()
    return state["buffer"]


def hit_buffer_set(buffer) -> None:
    """Use ``buffer`` in this process (tests and the benchmark)."""
    with _buffer_lock:
        _buffer_state["buffer"] = buffer
        _buffer_state["pid"] = os.getpid()


# The page path ------------------------------------------------------------------------


def hit_record(*, request, page) -> None:
    """Count this view of ``page.work`` if it is a reader's first today.
    Buffers only; never fails the page.

    A shared guest page (``web.httpcache``) is not counted here: the cache
    serves most guests without asking the site, so the page's script counts
    every guest alike through :func:`hit_beacon_record`, the guest whose
    request rendered the copy included."""
    try:
        if request.method != "GET" or _is_prefetch(request) or is_shared_page(request):
            return
        _count(request, page.work, creator=page.is_creator)
    except Exception:  # counting must never cost a reader the page
        log.exception("Could not record a hit.")


def _count(request, work, *, creator: bool) -> bool:
    """The rules every hit follows, page or beacon; True when it was buffered."""
    if creator or not work.posted or work.hidden_by_admin:
        return False
    if is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return False
    day = timezone.localdate()
    if hit_buffer().add(day, work.pk, visitor_key(request, day)):
        _schedule_flush()
        return True
    return False


# The beacon ---------------------------------------------------------------------------

#: Beacons one address may send to one process per minute; beyond that they
#: are refused without a query. Several workers each allow as many.
BEACONS_PER_MINUTE = 60
#: Addresses one process follows per minute; a flood of new ones beyond it is
#: refused too, so the limiter itself stays small.
BEACON_ADDRESSES = 50_000


class BeaconLimiter:
    """A fixed one-minute window per address, in this process's memory. It
    costs no query and no write, unlike the site's shared rate limits: a hit
    is not worth a database row to decide whether to count it."""

    def __init__(self, per_minute: int = BEACONS_PER_MINUTE,
                 addresses: int = BEACON_ADDRESSES) -> None:
        self.per_minute = per_minute
        self.addresses = addresses
        self._lock = threading.Lock()
        self._minute = -1
        self._counts: dict[str, int] = {}

    def allow(self, address: str) -> bool:
        minute = int(time.monotonic() // 60)
        with self._lock:
            if minute != self._minute:
                self._minute = minute
                self._counts = {}
            count = self._counts.get(address, 0)
            if count >= self.per_minute:
                return False
            if not count and len(self._counts) >= self.addresses:
                return False
            self._counts[address] = count + 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._counts = {}


beacon_limiter = BeaconLimiter()


def _from_elsewhere(request) -> bool:
    """A beacon another site's page made the visitor's browser send."""
    site = request.META.get("HTTP_SEC_FETCH_SITE")
    if site and site != "same-origin":
        return True
    origin = request.META.get("HTTP_ORIGIN")
    if origin:
        return origin == "null" or urlsplit(origin).netloc != request.get_host()
    return False


def hit_beacon_record(*, request, work_id: int) -> str:
    """Count a guest's reading of a shared work page, sent by the page's
    script (``responses/hits.js``) to ``POST /works/ID/hit``.

    The same rules as the page: once per visitor per day, no bots, not the
    work's creators, only posted works the visitor may see (the visibility
    door; drafts, hidden works and, for guests, restricted works are refused
    without a word). At most one query, and none for a refused beacon.
    Answers "counted", "not counted" or "limited" (too many from the address)."""
    if request.method != "POST" or _from_elsewhere(request):
        return "not counted"
    if is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return "not counted"
    if not beacon_limiter.allow(_client_address(request)):
        return "limited"
    from chapterhouse.works.selectors.visibility import annotate_is_creator, works_visible_to

    viewer = getattr(request, "user", None)
    found = (
        annotate_is_creator(works_visible_to(viewer, Work.objects.filter(pk=work_id)), viewer)
        .only("pk", "posted", "hidden_by_admin")
        .first()
    )
    if found is None:
        return "not counted"
    try:
        counted = _count(request, found, creator=found.viewer_is_creator)
    except Exception:  # the buffer may be away; a lost hit is not worth an error
        log.exception("Could not record a hit.")
        return "not counted"
    return "counted" if counted else "not counted"


_timer_lock = threading.Lock()
_timer_state: dict = {"pid": None, "timer": None}


def _schedule_flush() -> None:
    """Flush this process's buffer ``FLUSH_INTERVAL`` seconds from now on a
    timer thread, unless one is already waiting.

    Not when the page is served inside an open transaction (tests run each
    test in one): another connection could not see what it wrote yet, so the
    buffer waits for an explicit ``hits_flush``.
    """
    if not getattr(settings, "HITS_FLUSH_IN_PROCESS", True) or connection.in_atomic_block:
        return
    with _timer_lock:
        timer = _timer_state["timer"]
        if timer is not None and timer.is_alive() and _timer_state["pid"] == os.getpid():
            return
        timer = threading.Timer(FLUSH_INTERVAL, _flush_in_background)
        timer.daemon = True
        timer.name = "hits-flush"
        _timer_state.update(pid=os.getpid(), timer=timer)
        timer.start()


def _flush_in_background() -> None:
    try:
        hits_flush()
    except Exception:  # the database may be away; the visits went back in the buffer
        log.exception("Could not write hits; trying again shortly.")
    finally:
        connections.close_all()  # this thread's connections only
    with _timer_lock:
        _timer_state["timer"] = None
    try:
        if hit_buffer().has_pending():
            _schedule_flush()
    except Exception:
        log.exception("Could not look at the hit buffer.")


# The flush ----------------------------------------------------------------------------


_prune_state = {"at": 0.0}


def hits_flush() -> int:
    """Write buffered visits; answers how many new hits were counted.
    Cheap when nothing is waiting (no query)."""
    buffer = hit_buffer()
    if not buffer.has_pending():
        return 0
    counted = 0
    for _ in range(MAX_BATCHES_PER_FLUSH):
        items = buffer.take(BATCH_SIZE)
        if not items:
            break
        try:
            counted += _write(items)
        except Exception:
            buffer.give_back(items)
            raise
    return counted


def _write(items) -> int:
    work_ids = sorted({work_id for _, work_id, _ in items})
    with transaction.atomic():
        # Lock the works in id order, so flushes running at once never deadlock;
        # works deleted since the visit drop out here.
        alive = set(
            Work.objects.filter(pk__in=work_ids)
            .order_by("pk")
            .select_for_update()
            .values_list("pk", flat=True)
        )
        rows = sorted((d, w, v) for d, w, v in items if w in alive)
        if not rows:
            return 0
        new_visits = _insert_visits(rows)
        if new_visits:
            _add_to_days(new_visits)
            per_work: Counter = Counter()
            for (work_id, _day), hits in new_visits.items():
                per_work[work_id] += hits
            Work.objects.filter(pk__in=list(per_work)).update(
                hit_count=F("hit_count")
                + Case(
                    *[When(pk=pk, then=Value(n)) for pk, n in sorted(per_work.items())],
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
            work_changed(per_work, hits_only=True)
        _prune_now_and_then()
    return sum(new_visits.values())


def _insert_visits(rows) -> Counter:
    """Insert the visits; answers {(work_id, day): new visits} for the rows
    that were not there yet."""
    table = connection.ops.quote_name(HitVisit._meta.db_table)
    adapt = connection.ops.adapt_datefield_value
    new: Counter = Counter()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            chunk = rows[start : start + BATCH_SIZE]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params = [p for d, w, v in chunk for p in (adapt(d), w, v)]
            cursor.execute(
                f"INSERT INTO {table} (day, work_id, visitor) VALUES {values} "  # noqa: S608
                "ON CONFLICT (day, work_id, visitor) DO NOTHING RETURNING work_id, day",
                params,
            )
            for work_id, day in cursor.fetchall():
                new[(int(work_id), _as_date(day))] += 1
    return new


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _add_to_days(new_visits: Counter) -> None:
    table = connection.ops.quote_name(HitDay._meta.db_table)
    pairs = sorted(new_visits.items())
    values = ", ".join(["(%s, %s, %s)"] * len(pairs))
    adapt = connection.ops.adapt_datefield_value
    params = [p for (work_id, day), n in pairs for p in (work_id, adapt(day), n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS hd (work_id, day, hits) VALUES {values} "  # noqa: S608
            "ON CONFLICT (work_id, day) DO UPDATE SET hits = hd.hits + excluded.hits",
            params,
        )


def _prune_now_and_then() -> None:
    now = time.monotonic()
    if _prune_state["at"] and now - _prune_state["at"] < PRUNE_EVERY:
        return
    _prune_state["at"] = now
    hit_visits_prune()


def hit_visits_prune(*, today: date | None = None) -> int:
    """Delete visit rows older than ``VISIT_RETENTION_DAYS``."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=VISIT_RETENTION_DAYS)
    deleted, _ = HitVisit.objects.filter(day__lt=cutoff).delete()
    return deleted
