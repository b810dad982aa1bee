"""Request log lines and request ids, with ``LOG_FORMAT=json``
(docs/observability.md).

Each answered request writes one line to the ``chapterhouse.request`` logger
with its id, method, path, status and duration; gunicorn's own access log is
then left off (``cli.gunicorn_argv``), so a request is logged once. The id is
the ``X-Request-ID`` the proxy sent (letters, digits, ``-``, ``_`` and ``.``,
at most 64), or a new one; it goes back in the answer's ``X-Request-ID``
header and onto every other log line written while the request is handled
(:class:`RequestIdFilter`), so a traceback can be found from a request.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets

from django.core.signals import request_finished as django_request_finished

log = logging.getLogger("chapterhouse.request")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "chapterhouse_request_id", default=None)
_GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_started(request) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    request_id = given if _GIVEN_ID.fullmatch(given) else secrets.token_hex(8)
    request.request_id = request_id
    _request_id.set(request_id)
    return request_id


def request_finished(request, response, seconds: float) -> None:
    status = response.status_code
    response["X-Request-ID"] = request.request_id
    log.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %s %.1f ms", request.method, request.path, status, seconds * 1000,
        extra={"method": request.method, "path": request.path, "status": status,
               "duration_ms": round(seconds * 1000, 2)},
    )


def _forget(**kwargs) -> None:
    """The id stays set until the answer is closed: Django logs a 4xx or 5xx
    answer ("Not Found: …") after the middleware has returned."""
    _request_id.set(None)


django_request_finished.connect(_forget, dispatch_uid="chapterhouse-request-id-forget")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record written during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True
