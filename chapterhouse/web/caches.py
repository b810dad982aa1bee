"""The site's two caches (settings ``CACHES``).

- ``default`` is shared by every process of the site: Redis when
  ``REDIS_URL`` is set, else the database (table ``chapterhouse_cache``).
  allauth keeps its rate-limit counts and spent two-factor codes there, so
  they hold whichever process answers.
- ``local_cache`` (alias ``local``) holds copies that may be a few minutes
  old and are cheap to rebuild (the site's switches, the block list, "this
  user has no sanctions"): the same Redis when configured, else each
  process's own memory, so a warm page makes no query for them.

- ``html`` (``html_cache``) holds rendered HTML of works under keys that
  never change meaning (a work's version is part of the key,
  works/services/versions.py): each process keeps its most recent copies in
  memory, in front of Redis when configured (shared by every process), so a
  copy rendered by one worker serves the others.

- ``LocalLRU`` is a process's own few copies of rendered fragments whose
  key is a digest of everything they are made from (the filter sidebar, the
  work page's body): nothing to invalidate, nothing shared.

Rate limits of our own count in ``web/ratelimit.py``, not in a cache.

Every cache counts its hits and misses for ``/metrics``
(``chapterhouse_cache_lookups_total``, web/metrics.py): the Django aliases
under their ``METRICS_NAME`` (settings ``CACHES``), ``html`` and each
``LocalLRU`` under its own name.
"""

import threading
from collections import OrderedDict

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.locmem import LocMemCache as DjangoLocMemCache
from django.utils.connection import ConnectionProxy

from .metrics import cache_lookup

_MISSING = object()


class CountedLookups:
    """A Django cache backend that counts hits and misses of ``get`` and
    ``get_many`` under the alias's ``METRICS_NAME``. Where one of the two is
    made of the other in Django's backend, only the inner one counts."""

    counts_get = True
    counts_get_many = True

    def __init__(self, location, params):
        super().__init__(location, params)
        self.metrics_name = params.get("METRICS_NAME", "django")

    def get(self, key, default=None, version=None):
        if not self.counts_get:
            return super().get(key, default, version)
        value = super().get(key, _MISSING, version)
        if value is _MISSING:
            cache_lookup(self.metrics_name, misses=1)
            return default
        cache_lookup(self.metrics_name, hits=1)
        return value

    def get_many(self, keys, version=None):
        if not self.counts_get_many:
            return super().get_many(keys, version)
        keys = list(keys)
        found = super().get_many(keys, version)
        cache_lookup(self.metrics_name, hits=len(found), misses=len(keys) - len(found))
        return found


class DatabaseCache(CountedLookups, DjangoDatabaseCache):
    """Django's database cache, counted (its ``get`` asks ``get_many``)."""

    counts_get = False


class LocMemCache(CountedLookups, DjangoLocMemCache):
    """Django's per-process memory cache, counted (its ``get_many`` asks ``get``)."""

    counts_get_many = False

LOCAL = "local"

#: Like ``django.core.cache.cache``, for the ``local`` alias.
local_cache = ConnectionProxy(caches, LOCAL)


HTML = "html"


class LocalLRU:
    """At most ``size`` values in this process, the least recently used
    dropped first. Only for keys that name their value completely (a digest
    of all it is made from), so nothing here is ever stale.

    With ``max_chars`` (for strings), the values together hold at most that
    many characters: the least recently used go first, and a value longer
    than a sixteenth of it is handed out but not kept. ``name`` labels its
    hits and misses in /metrics."""

    def __init__(self, size: int, max_chars: int | None = None, *, name: str) -> None:
        self.size, self.max_chars, self.name = size, max_chars, name
        self._values: OrderedDict = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get_or_make(self, key, make):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
        if value is not None:
            cache_lookup(self.name, hits=1)
            return value
        cache_lookup(self.name, misses=1)
        value = make()
        weight = len(value) if self.max_chars is not None else 0
        if self.max_chars is not None and weight > self.max_chars // 16:
            return value
        with self._lock:
            if key not in self._values:
                self._values[key] = value
                self._chars += weight
            while len(self._values) > self.size or (
                self.max_chars is not None and self._chars > self.max_chars
            ):
                _, dropped = self._values.popitem(last=False)
                if self.max_chars is not None:
                    self._chars -= len(dropped)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._chars = 0


class LayeredCache:
    """A process's own LRU of at most ``size`` entries in front of a shared
    cache alias. Only for keys whose value never changes: nothing here is
    ever invalidated, old keys just fall out."""

    def __init__(self, alias: str, size: int, timeout: int) -> None:
        self.alias, self.size, self.timeout = alias, size, timeout
        self._mine: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys) -> dict:
        found, wanted = {}, []
        with self._lock:
            for key in keys:
                value = self._mine.get(key)
                if value is None:
                    wanted.append(key)
                else:
                    self._mine.move_to_end(key)
                    found[key] = value
        if wanted:
            shared = caches[self.alias].get_many(wanted)
            if shared:
                self._keep(shared)
                found.update(shared)
        cache_lookup(self.alias, hits=len(found), misses=len(keys) - len(found))
        return found

    def set_many(self, values: dict) -> None:
        if not values:
            return
        self._keep(values)
        caches[self.alias].set_many(values, timeout=self.timeout)

    def _keep(self, values: dict) -> None:
        with self._lock:
            self._mine.update(values)
            for key in values:
                self._mine.move_to_end(key)
            while len(self._mine) > self.size:
                self._mine.popitem(last=False)

    def clear(self) -> None:
        """This process's copies only (tests)."""
        with self._lock:
            self._mine.clear()


#: Rendered blurbs and work-page fragments: 2,500 entries per process; a blurb
#: takes about 5.5 KB, so some 14 MB.
html_cache = LayeredCache(HTML, size=2500, timeout=7 * 24 * 3600)
