"""The public API, ``/api/v1/``: one NinjaAPI, one router per area.

Routers are thin: they read through the same selectors the pages use (one
door for visibility) and write through the same services. ``auth.py`` reads
personal access tokens; ``limits.py`` rate-limits per token and per address
(set here, on the API, so every operation gets it). The OpenAPI document is
at ``/api/v1/openapi.json``, browsable docs at ``/api/v1/docs``.

Every error answers ``{"detail": "…"}``; invalid input answers 422 with
``errors``, one ``{"field", "message"}`` per problem, as well.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from chapterhouse.web.ratelimit import RateLimited

from .limits import ApiThrottle, too_many_message
from .parser import StrictJsonParser, UnstorableText

api = NinjaAPI(
    title="Chapterhouse API",
    version="1",
    urls_namespace="api-v1",
    description=(
        "Read works, chapters, tags, series, bookmarks and search as the site shows "
        "them; write kudos, comments, bookmarks, subscriptions and works with a "
        "personal access token (Authorization: Bearer TOKEN). Without a token you "
        "see what a guest sees. Rate limits: see docs/api.md; an exceeded limit "
        "answers 429 with Retry-After."
    ),
    throttle=[ApiThrottle()],
    parser=StrictJsonParser(),
)


def _error(request, status: int, detail: str, **extra):
    return api.create_response(request, {"detail": detail, **extra}, status=status)


@api.exception_handler(Throttled)
def _throttled(request, exc: Throttled):
    # Ninja adds the Retry-After header itself, from the throttle's wait().
    return _error(request, 429, too_many_message(exc.wait))


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    """A site service's own limit (kudos, comments…), met through the API."""
    response = _error(request, 429, too_many_message(exc.retry_after))
    response["Retry-After"] = str(int(exc.retry_after))
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """ninja answers a body it cannot read with 400; a body holding text the
    archive cannot keep (``parser.py``) is the caller's to fix: 422, by field."""
    cause = exc.__cause__
    if isinstance(cause, UnstorableText):
        return _error(request, 422, f"{cause.field}: {cause.message}",
                      errors={cause.field: [cause.message]})
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(
        request, 401,
        "Please send a valid personal access token (Authorization: Bearer TOKEN), "
        "or no Authorization header at all to read as a guest.",
    )


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, str(exc) or "You may not do that.")


def _field_of(location) -> str:
    parts = [str(part) for part in location or ()]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def _invalid_request(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_of(error.get("loc")), []).append(
            error.get("msg", "Invalid value.")
        )
    summary = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
    return _error(request, 422, f"Some values are not valid. {summary}".strip(), errors=errors)


@api.exception_handler(DjangoValidationError)
def _refused(request, exc: DjangoValidationError):
    """A service refused the input; its messages say why, field by field."""
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": list(exc.messages)}
    detail = " ".join(m for messages in errors.values() for m in messages)
    detail = detail or "The request was refused."
    return _error(request, 422, detail, errors=errors)


@api.exception_handler(DataError)
def _unstorable(request, exc):
    """Input the database cannot hold (a NUL character, a number out of range):
    the caller's to fix, so 422, not a server error."""
    return _error(
        request, 422,
        "Some of the values sent cannot be stored (for example, text containing a NUL "
        "character, or a number too large).",
        errors={},
    )


# Each router module registers itself on import: ``api.add_router(prefix, router)``.
from .routers import load_all  # noqa: E402

load_all(api)
