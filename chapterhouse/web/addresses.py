"""The address a request came from, for rate limits, guest checks and
blocked networks.

Behind a reverse proxy (``BEHIND_PROXY=true``) every request arrives from the
proxy, so the client's address is the last entry of ``X-Forwarded-For`` —
the one our own proxy appended (entries before it are whatever the client
sent, and cannot be trusted). Without a proxy it is ``REMOTE_ADDR``.
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str | None:
    """The client's address, or None when the request does not say."""
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None
