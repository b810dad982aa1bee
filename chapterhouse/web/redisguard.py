"""Redis that may be away (docs/outages.md).

Every Redis call on the request path goes through here, so that a stopped
Redis costs a page nothing but speed:

- clients are made with small socket timeouts (settings
  ``REDIS_CONNECT_TIMEOUT`` and ``REDIS_SOCKET_TIMEOUT``) and no retries;
- a call that cannot reach Redis marks it away in this process for
  ``REDIS_RETRY_SECONDS``: during that back-off no call is even tried (the
  caller takes its fallback at once), so a dead Redis costs at most one
  timeout per process per back-off;
- the first call after the back-off tries again; when it answers, Redis is
  used again. Nothing stays "down" for good.

Callers decide what the fallback is: the caches miss (``ResilientRedisCache``),
rate limits count in the database (``web/ratelimit.py``), hits wait in the
process's memory (``responses/services/hits.py``). The one log line per
outage and per process says so.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from .caches import CountedLookups

log = logging.getLogger(__name__)

#: Errors that mean "Redis is not there" (refused, reset, timed out, loading).
#: Anything else (a wrong command, a bad value) is a bug and is raised.
REDIS_DOWN_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _seconds(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class RedisState:
    """Whether Redis answered lately, for this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._retry_at = 0.0  # monotonic time before which no call is tried
        self._down = False

    def available(self) -> bool:
        """False during the back-off that follows a failed call."""
        return time.monotonic() >= self._retry_at

    @property
    def down(self) -> bool:
        return self._down

    def failed(self, error: Exception, where: str) -> None:
        back_off = _seconds("REDIS_RETRY_SECONDS", 5.0)
        with self._lock:
            self._retry_at = time.monotonic() + back_off
            first = not self._down
            self._down = True
        if first:
            log.warning(
                "Redis did not answer (%s: %s); carrying on without it, trying again "
                "every %g s: caches miss, rate limits count in the database, "
                "hits wait in this process.", where, error, back_off)

    def succeeded(self) -> None:
        if self._down:
            with self._lock:
                was_down, self._down, self._retry_at = self._down, False, 0.0
            if was_down:
                log.warning("Redis answers again; using it.")

    def reset(self) -> None:
        """Forget any failure (tests)."""
        with self._lock:
            self._down, self._retry_at = False, 0.0


redis_state = RedisState()


def redis_call(where: str, call, fallback):
    """``call()`` unless Redis is known to be away; ``fallback()`` if it is
    or the call cannot reach it."""
    if not redis_state.available():
        return fallback()
    try:
        result = call()
    except REDIS_DOWN_ERRORS as error:
        redis_state.failed(error, where)
        return fallback()
    redis_state.succeeded()
    return result


def connection_options() -> dict:
    """Keyword arguments for every Redis client of the site."""
    return {
        "socket_connect_timeout": _seconds("REDIS_CONNECT_TIMEOUT", 0.5),
        "socket_timeout": _seconds("REDIS_SOCKET_TIMEOUT", 0.5),
        "retry": Retry(NoBackoff(), 0),
    }


def redis_client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, **connection_options())


def redis_status() -> str:
    """For ``/health``: "off" without ``REDIS_URL``, else "up" or "down".
    Within a back-off it answers "down" without trying."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return "off"
    return redis_call("health", lambda: _pinged(url) and "up", lambda: "down")


_ping_clients: dict = {}


def _pinged(url: str) -> bool:
    client = _ping_clients.get(url)
    if client is None:
        _ping_clients.clear()
        client = _ping_clients[url] = redis_client(url)
    return bool(client.ping())


# --- The cache backend ------------------------------------------------------------


class _Client(RedisCacheClient):
    """Django's client with the site's timeouts and no retries."""

    def __init__(self, servers, **options):
        options = {**connection_options(), **options}
        retry = options.pop("retry")
        super().__init__(servers, **options)
        self._pool_options["retry"] = retry
        self._client = functools.partial(redis.Redis, retry=retry)


class _ResilientRedisCache(RedisCache):

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

    def _guarded(self, name, fallback, *args, **kwargs):
        method = getattr(super(), name)
        return redis_call(f"cache {name}", lambda: method(*args, **kwargs), lambda: fallback)

    def get(self, key, default=None, version=None):
        return self._guarded("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded("touch", False, key, timeout, version)

    def incr(self, key, delta=1, version=None):
        found = self._guarded("incr", None, key, delta, version)
        if found is None:
            raise ValueError(f"Key '{key}' not found (Redis is away).")
        return found

    def delete(self, key, version=None):
        return self._guarded("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guarded("delete_many", None, keys, version)

    def clear(self):
        return self._guarded("clear", None)


class ResilientRedisCache(CountedLookups, _ResilientRedisCache):
    """Django's Redis cache that misses instead of failing when Redis is away:
    reads find nothing (so callers read the database), writes and deletes are
    dropped. See ``RedisState`` for the back-off. Hits and misses are counted
    for /metrics (web/caches.py)."""
