"""Rate limits for writes (comments, kudos, …) and the API, counted where
every process of the site sees them (docs/rate-limits.md).

A limit is ``count`` actions per ``window`` seconds for one key (a user id or
an address). ``rate_limit_check`` raises ``RateLimited`` with the number of
seconds until the next action is allowed, so the page can say "try again in N
seconds" and answer 429 with ``Retry-After``; ``rate_limit_record`` counts
one action after it succeeded; ``rate_limit_take`` does both as one step.

Each action is one hit with its time, kept in Redis (a sorted set per key,
expiring with its window) when ``REDIS_URL`` is set, else in the database
(``web.RateLimitHit``, one row per hit). While Redis is away, every limit
counts in the database instead (``web/redisguard.py``): still for the whole
site, only slower; what was counted in Redis before the outage is not seen
meanwhile, so a limit may let up to one extra window's worth through.
Adding a hit never rewrites the others, so two processes counting at once
both count. Recording a hit deletes that key's expired hits;
``rate_limits_sweep`` (run by the worker) deletes every expired hit and
expired entries of the database cache.

allauth's limits (failed log-ins, sign-ups) are counted by allauth in the
``default`` cache, which is shared the same way (``web/caches.py``); while
Redis is away they fail open (nothing is counted), with one log line.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from .models import CacheEntry, RateLimitHit
from .redisguard import connection_options, redis_call

#: Longer keys (a reporter's email and a target, say) are stored as a digest.
KEY_MAX_LENGTH = 200


class RateLimited(ValidationError):
    """Too many actions; ``retry_after`` seconds until the next is allowed."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after


def wait_phrase(seconds: int) -> str:
    """"45 seconds", "2 minutes", "1 hour"."""
    if seconds < 90:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    if seconds < 90 * 60:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours = math.ceil(seconds / 3600)
    return f"{hours} hour{'' if hours == 1 else 's'}"


def _key(scope: str, who) -> str:
    key = f"ratelimit:{scope}:{who}"
    if len(key) > KEY_MAX_LENGTH:
        key = f"ratelimit:{scope}:sha256:{hashlib.sha256(str(who).encode()).hexdigest()}"
    return key


# --- Where hits are kept ------------------------------------------------------------


class DatabaseHits:
    """Hits as ``RateLimitHit`` rows: one INSERT per hit."""

    def newest(self, key: str, *, since: float, limit: int) -> list[float]:
        """Times of the newest ``limit`` hits after ``since``, newest first."""
        return list(
            RateLimitHit.objects.filter(key=key, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )

    def add(self, key: str, *, at: float, window: int) -> None:
        with transaction.atomic():
            RateLimitHit.objects.filter(key=key, expires_at__lte=at).delete()
            RateLimitHit.objects.create(key=key, at=at, expires_at=at + window)

    @contextmanager
    def locked(self, key: str):
        """One process at a time for ``key``: SQLite's transactions already
        take the write lock at their start (``transaction_mode`` IMMEDIATE);
        PostgreSQL takes a lock on the key until the transaction ends."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big",
                                        signed=True)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
            yield

    def sweep(self, now: float) -> int:
        return RateLimitHit.objects.filter(expires_at__lte=now).delete()[0]

    def clear(self) -> None:
        RateLimitHit.objects.all().delete()


class RedisHits:
    """Hits in Redis: one sorted set per key, scored by time."""

    LOCK_SECONDS = 5

    def __init__(self, url: str, prefix: str):
        import redis

        self.client = redis.Redis.from_url(url, **connection_options())
        self.prefix = f"{prefix}:" if prefix else ""

    def _name(self, key: str) -> str:
        return self.prefix + key

    def newest(self, key: str, *, since: float, limit: int) -> list[float]:
        found = self.client.zrevrangebyscore(
            self._name(key), "+inf", f"({since!r}", start=0, num=limit, withscores=True
        )
        return [score for _, score in found]

    def add(self, key: str, *, at: float, window: int) -> None:
        name = self._name(key)
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", at - window)
        pipe.zadd(name, {f"{at!r}:{uuid.uuid4().hex[:12]}": at})
        pipe.expire(name, math.ceil(window) + 1)
        pipe.execute()

    @contextmanager
    def locked(self, key: str):
        with self.client.lock(self._name(key) + ":lock", timeout=self.LOCK_SECONDS,
                              blocking_timeout=self.LOCK_SECONDS):
            yield

    def sweep(self, now: float) -> int:
        return 0  # every set expires with its window

    def clear(self) -> None:
        names = list(self.client.scan_iter(self._name("ratelimit:*")))
        if names:
            self.client.delete(*names)


_redis_hits: dict = {}


def hits_store() -> DatabaseHits | RedisHits:
    """Redis when ``REDIS_URL`` is set (one client per process), else the database."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return DatabaseHits()
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "")
    slot = (os.getpid(), url, prefix)
    if slot not in _redis_hits:
        _redis_hits.clear()
        _redis_hits[slot] = RedisHits(url, prefix)
    return _redis_hits[slot]


def hits_in_database() -> bool:
    return isinstance(hits_store(), DatabaseHits)


def _counted(action):
    """``action(store)`` in Redis when it answers, else in the database."""
    store = hits_store()
    if isinstance(store, DatabaseHits):
        return action(store)
    return redis_call("rate limits", lambda: action(store), lambda: action(DatabaseHits()))


# --- The limits -------------------------------------------------------------------


def _check(store, *, scope: str, who, count: int, window: int, message: str) -> None:
    now = time.time()
    stamps = store.newest(_key(scope, who), since=now - window, limit=count)
    if len(stamps) >= count:
        retry = max(1, int(stamps[count - 1] + window - now) + 1)
        raise RateLimited(message.format(wait=wait_phrase(retry)), retry_after=retry)


def rate_limit_check(*, scope: str, who, count: int, window: int, message: str) -> None:
    """Raise ``RateLimited`` if ``who`` has already done ``count`` ``scope``
    actions in the last ``window`` seconds. ``message`` may contain
    ``{wait}``, replaced by "N seconds" or "N minutes". Does not record."""
    _counted(lambda store: _check(store, scope=scope, who=who, count=count, window=window,
                                  message=message))


def rate_limit_record(*, scope: str, who, count: int, window: int) -> None:
    """Record one ``scope`` action by ``who`` (after it succeeded)."""
    _counted(lambda store: store.add(_key(scope, who), at=time.time(), window=window))


def rate_limit_take(*, scope: str, who, count: int, window: int, message: str) -> None:
    """Check and record one action as one step, so callers arriving together
    on different processes cannot all pass on the same last free place."""

    def take(store) -> None:
        key = _key(scope, who)
        with store.locked(key):
            _check(store, scope=scope, who=who, count=count, window=window, message=message)
            store.add(key, at=time.time(), window=window)

    _counted(take)


def rate_limits_sweep(now: float | None = None) -> int:
    """Delete expired hits and expired entries of the database cache (the
    worker runs this); the number deleted."""
    now = time.time() if now is None else now
    # Hits counted in the database while Redis was away are swept there too.
    deleted = DatabaseHits().sweep(now)
    moment = datetime.fromtimestamp(now, tz=UTC)
    return deleted + CacheEntry.objects.filter(expires__lt=moment).delete()[0]


def rate_limits_clear() -> None:
    """Forget every count (tests)."""
    hits_store().clear()
