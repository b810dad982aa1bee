"""Rate limits for the API: per token, and per address for guests.

Each call counts against one bucket:

- a call with a token: ``token_read`` (GET, HEAD, OPTIONS) or ``token_write``
  (everything else), counted per token;
- a call without one: ``guest``, counted per address (``web/addresses.client_address``; the
  proxy in front of the app must set it to the client's address).

The defaults below can be changed in settings::

    API_RATE_LIMITS = {"token_read": (300, 300), "token_write": (60, 300), "guest": (120, 300)}

each value being (calls, window in seconds). Counting uses
``web/ratelimit.py`` (Redis or the database: every app process shares the
count; a call is checked and counted as one step). An
exceeded limit answers 429 with ``Retry-After`` (whole seconds) and
``{"detail": "Too many requests; try again in N seconds."}``.

``ApiThrottle`` is set on the ``NinjaAPI`` itself (``app.py``), so every
operation of every router gets it, reads and writes alike. Ninja runs it
after authentication, so it knows the token.
"""

from __future__ import annotations

import threading

from django.conf import settings
from ninja.throttling import BaseThrottle

from chapterhouse.web.addresses import client_address
from chapterhouse.web.ratelimit import RateLimited, rate_limit_take

#: bucket → (calls, window in seconds)
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "token_read": (300, 300),
    "token_write": (60, 300),
    "guest": (120, 300),
}
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def api_limits() -> dict[str, tuple[int, int]]:
    return {**DEFAULT_LIMITS, **getattr(settings, "API_RATE_LIMITS", {})}


def bucket_of(request) -> tuple[str, str]:
    """(bucket, who) for this call."""
    token = getattr(request, "api_token", None)
    if token is not None:
        bucket = "token_read" if request.method in _SAFE_METHODS else "token_write"
        return bucket, f"token:{token.pk}"
    return "guest", f"addr:{client_address(request) or ''}"


class ApiThrottle(BaseThrottle):
    """Counts each allowed call; refuses when the caller's bucket is full."""

    def __init__(self) -> None:
        self._local = threading.local()

    def allow_request(self, request) -> bool:
        bucket, who = bucket_of(request)
        count, window = api_limits()[bucket]
        scope = f"api_{bucket}"
        try:
            rate_limit_take(scope=scope, who=who, count=count, window=window, message="{wait}")
        except RateLimited as limited:
            self._local.wait = limited.retry_after
            return False
        self._local.wait = None
        return True

    def wait(self) -> int | None:
        return getattr(self._local, "wait", None)


def too_many_message(wait: float | None) -> str:
    seconds = max(1, int(-(-(wait or 1) // 1)))
    return f"Too many requests; try again in {seconds} second{'' if seconds == 1 else 's'}."
