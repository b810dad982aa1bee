"""Rate limits for writes (comments, kudos, …), kept in the cache.

A limit is ``count`` actions per ``window`` seconds for one key (a user id or
an address). ``rate_limit_check`` raises ``RateLimited`` with the number of
seconds until the next action is allowed, so the page can say "try again in N
seconds" and answer 429 with ``Retry-After``. With Redis configured the cache
is shared by every app process; the default local-memory cache counts per
process, which is enough for a single-node site.
"""

from __future__ import annotations

import math
import time

from django.core.cache import cache
from django.core.exceptions import ValidationError


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
    return f"ratelimit:{scope}:{who}"


def _recent(key: str, window: int, now: float) -> list[float]:
    return [t for t in cache.get(key, []) if t > now - window]


def rate_limit_check(*, scope: str, who, count: int, window: int, message: str) -> None:
    """Raise ``RateLimited`` if ``who`` has already done ``count`` ``scope``
    actions in the last ``window`` seconds. ``message`` may contain
    ``{wait}``, replaced by "N seconds" or "N minutes". Does not record."""
    now = time.time()
    stamps = _recent(_key(scope, who), window, now)
    if len(stamps) >= count:
        retry = max(1, int(stamps[-count] + window - now) + 1)
        raise RateLimited(message.format(wait=wait_phrase(retry)), retry_after=retry)


def rate_limit_record(*, scope: str, who, count: int, window: int) -> None:
    """Record one ``scope`` action by ``who`` (after it succeeded)."""
    now = time.time()
    key = _key(scope, who)
    stamps = [*_recent(key, window, now), now]
    cache.set(key, stamps[-count:], window)
