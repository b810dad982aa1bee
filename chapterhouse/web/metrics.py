"""The site's metrics for Prometheus at ``/metrics`` (docs/observability.md).

Two kinds:

- **Counted as things happen**, in the process that sees them: each
  request's duration (:class:`RequestMetricsMiddleware`, by URL name, method
  and status class — never by raw path, so the number of series stays
  bounded), and hits and misses of the site's caches (``cache_lookup``).
  Under ``chapterhouse serve`` gunicorn runs several worker processes; with
  ``PROMETHEUS_MULTIPROC_DIR`` set (``serve`` sets it to ``metrics/`` in the
  var dir and empties it at start) every process writes its values to files
  there and one scrape adds them all up (prometheus_client's multiprocess
  mode). A dead gunicorn worker's live gauges are dropped by the
  ``child_exit`` hook (``web/gunicorn_conf.py``), the worker's by ``serve``.
- **Measured at scrape time** (:class:`ScrapeCollector`): whether the
  database and Redis answer, the mail outbox's backlog, the task queue, and
  how far this node's search index is behind the outbox. Each is one or two
  indexed queries, counted up to :data:`COUNT_CAP` rows at most.

Who may read it: requests from loopback or private addresses (also through
a proxy: then the forwarded client's address must be private too), or with
``Authorization: Bearer <METRICS_TOKEN>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from . import requestlog

log = logging.getLogger(__name__)

#: Seconds; 0.2 s is the site's p99 target, so it is a bucket edge.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Backlogs are counted up to this many rows (the count stays cheap however
#: long the backlog grows).
COUNT_CAP = 100_000

REQUEST_SECONDS = Histogram(
    "chapterhouse_request_duration_seconds",
    "Time from the request's arrival at the app to its answer, by URL name "
    "(or 'static', 'unmatched'), method and status class.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
CACHE_LOOKUPS = Counter(
    "chapterhouse_cache_lookups",
    "Lookups in the site's caches, by cache and result (hit or miss).",
    ["cache", "result"],
)
INDEXER_POSITION_NAME = "chapterhouse_search_indexer_position"
#: Made by the first ``indexer_at`` call, so only the indexer's process has
#: it: a web process's 0 must not stand for the node's position.
_indexer_position: Gauge | None = None

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_children: dict[tuple[str, str, int], object] = {}
_cache_children: dict[tuple[str, bool], object] = {}


def _view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def request_observe(request, status: int, seconds: float) -> None:
    """Add one answered request to the latency histogram."""
    method = request.method if request.method in _METHODS else "other"
    key = (_view_label(request), method, status // 100)
    child = _children.get(key)
    if child is None:
        child = _children[key] = REQUEST_SECONDS.labels(key[0], method, f"{key[2]}xx")
    child.observe(seconds)


def cache_lookup(cache: str, *, hits: int = 0, misses: int = 0) -> None:
    """Count ``hits`` and ``misses`` of the cache named ``cache``."""
    for hit, count in ((True, hits), (False, misses)):
        if count:
            child = _cache_children.get((cache, hit))
            if child is None:
                child = _cache_children[(cache, hit)] = CACHE_LOOKUPS.labels(
                    cache, "hit" if hit else "miss")
            child.inc(count)


def indexer_at(position: int) -> None:
    """Called by the node's search indexer after each round."""
    global _indexer_position
    if _indexer_position is None:
        _indexer_position = Gauge(
            INDEXER_POSITION_NAME,
            "The last outbox event this node's search indexer has applied.",
            multiprocess_mode="livemax",
        )
    _indexer_position.set(position)


class RequestMetricsMiddleware:
    """First in ``MIDDLEWARE``: times every answer, static files included,
    and (with ``LOG_FORMAT=json``) writes the request's log line."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.log_requests = getattr(settings, "LOG_REQUESTS", False)

    def __call__(self, request):
        started = time.perf_counter()
        if self.log_requests:
            requestlog.request_started(request)
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        request_observe(request, response.status_code, seconds)
        if self.log_requests:
            requestlog.request_finished(request, response, seconds)
        return response


# --- The scrape ---------------------------------------------------------------------


def multiprocess_dir() -> str | None:
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return path if path and os.path.isdir(path) else None


def _private(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip().strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private


def may_scrape(request) -> bool:
    """Loopback or private addresses (the connection's, and the client's the
    proxy forwarded, if any), or the bearer token ``METRICS_TOKEN``."""
    token = getattr(settings, "METRICS_TOKEN", "")
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(
        given.removeprefix("Bearer ").strip().encode(), token.encode()
    ):
        return True
    if not _private(request.META.get("REMOTE_ADDR")):
        return False
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return forwarded is None or _private(forwarded.split(",")[-1])


class ScrapeCollector:
    """The gauges read from the database and Redis when Prometheus asks."""

    def __init__(self, indexer_position: float | None) -> None:
        self.indexer_position = indexer_position

    def collect(self):
        from django.db import connection

        from chapterhouse.web.redisguard import redis_status

        database = GaugeMetricFamily(
            "chapterhouse_database_up", "1 when the database answers a query, else 0.")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
            up = True
        except Exception:
            log.warning("metrics: the database did not answer", exc_info=True)
            up = False
        database.add_metric([], 1.0 if up else 0.0)
        yield database
        redis = redis_status()
        if redis != "off":
            yield GaugeMetricFamily(
                "chapterhouse_redis_up", "1 when Redis answers, else 0 (absent without REDIS_URL).",
                value=1.0 if redis == "up" else 0.0)
        if not up:
            return
        for measure in (_mail_outbox, _task_queue, self._search_index):
            try:
                yield from measure()
            except Exception:  # a failed measure leaves the others
                log.warning("metrics: could not measure %s", measure.__name__, exc_info=True)

    def _search_index(self):
        from chapterhouse.discovery.models import OutboxEvent

        if self.indexer_position is None:
            return
        position = int(self.indexer_position)
        behind = OutboxEvent.objects.filter(pk__gt=position).values("pk")[:COUNT_CAP].count()
        first = (OutboxEvent.objects.filter(pk__gt=position).order_by("pk")
                 .values_list("created_at", flat=True).first())
        yield GaugeMetricFamily(
            "chapterhouse_search_index_behind_events",
            f"Outbox events this node's search index has not applied yet (counted up to "
            f"{COUNT_CAP}).", value=behind)
        yield GaugeMetricFamily(
            "chapterhouse_search_index_lag_seconds",
            "Age of the oldest outbox event this node's search index has not applied "
            "(0 when it is up to date).", value=_age(first))


def _age(moment) -> float:
    return max(0.0, (timezone.now() - moment).total_seconds()) if moment else 0.0


def _mail_outbox():
    from chapterhouse.responses.models import Notification

    # The partial index "notification_waiting" holds exactly these rows.
    waiting = Notification.objects.filter(sent_at=None, skipped=False, sending_at=None)
    yield GaugeMetricFamily(
        "chapterhouse_mail_outbox_waiting",
        f"Mails recorded but not yet taken by a sender (counted up to {COUNT_CAP}).",
        value=waiting.values("pk")[:COUNT_CAP].count())
    oldest = waiting.order_by("pk").values_list("created_at", flat=True).first()
    yield GaugeMetricFamily(
        "chapterhouse_mail_outbox_oldest_seconds",
        "Age of the oldest mail waiting to be sent (0 when none waits).", value=_age(oldest))


def _task_queue():
    from django.db.models import Min
    from django_tasks_db.models import DBTaskResult

    depth = GaugeMetricFamily(
        "chapterhouse_tasks", f"Queued tasks by state (counted up to {COUNT_CAP}).",
        labels=["state"])
    oldest = GaugeMetricFamily(
        "chapterhouse_tasks_oldest_seconds",
        "Age of the oldest waiting task (since queued) and of the longest running one "
        "(since started); 0 when there is none.", labels=["state"])
    for state, status, since in (("waiting", "READY", "enqueued_at"),
                                 ("running", "RUNNING", "started_at")):
        rows = DBTaskResult.objects.filter(status=status)
        depth.add_metric([state], rows.values("pk")[:COUNT_CAP].count())
        oldest.add_metric([state], _age(rows.aggregate(first=Min(since))["first"]))
    yield depth
    yield oldest


class _Scrape:
    """What one scrape shows: the counted metrics (from every process's
    files in multiprocess mode), then the scrape-time gauges."""

    def __init__(self) -> None:
        self.path = multiprocess_dir()
        if self.path:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.path)
            self.counted = registry
        else:
            self.counted = REGISTRY

    def collect(self):
        # The indexer's position: from its file in multiprocess mode (none
        # while no indexer runs), else this process's own index.
        position = None if self.path else _own_index_position()
        for family in self.counted.collect():
            if self.path and family.name == INDEXER_POSITION_NAME and family.samples:
                position = max(sample.value for sample in family.samples)
            yield family
        yield from ScrapeCollector(position).collect()


def _own_index_position() -> int | None:
    """Without multiprocess mode (tests, runserver) the process's own index,
    when it writes the node's text index."""
    from chapterhouse.discovery.engine import index

    current = index._index
    if current is None or not current.is_text_writer:
        return None
    return current.cursor.position


@never_cache
def metrics(request):
    """The metrics in Prometheus' text format (see the module docstring)."""
    if not may_scrape(request):
        return HttpResponse(
            "Metrics are served to local and private addresses, or with the metrics token.\n",
            status=403, content_type="text/plain; charset=utf-8")
    response = HttpResponse(generate_latest(_Scrape()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
