"""The site frame's own pages: home, health, and errors drawn inside the frame."""

import errno
import json
import logging
import sqlite3
import sys

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.web.dbrouter import replica_status
from chapterhouse.web.redisguard import redis_status
from chapterhouse.works.selectors.listing import recent_works

logger = logging.getLogger(__name__)


def _hidden_tags(request) -> dict:
    preference = preference_for(request.user)
    return {
        "hide_warnings": bool(preference and preference.hide_warnings),
        "hide_freeform": bool(preference and preference.hide_freeform),
    }


def home(request):
    """The welcome, and the newest works the visitor may read."""
    return render(
        request,
        "web/home.html",
        {
            "main_class": "splash",
            "recent": recent_works(viewer=request.user),
            **_hidden_tags(request),
        },
    )


@never_cache
def health(request):
    """For load balancers and monitors: 200 when the database answers, else
    503 with the reason. Redis is reported ("up", "down", or "off" when not
    configured) but never fails the node: the site carries on without it.
    So is the database replica ("up", "lagging", "down", "off"; reads go to
    the primary meanwhile, docs/replicas.md)."""
    redis = redis_status()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not healthy"; the log says which
        logger.exception("health check: database did not answer")
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        return JsonResponse(
            {"status": "error", "database": "unavailable", "reason": reason or type(error).__name__,
             "redis": redis},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": connection.vendor, "redis": redis,
                         **replica_status()})


def _error(request, status: int, title: str, message: str):
    if not hasattr(request, "user"):
        # Refused before the auth middleware ran (a bad Host header): draw as for a guest.
        request.user = AnonymousUser()
    return render(
        request,
        "web/error.html",
        {"status": status, "title": title, "message": message, "main_class": f"error-{status}"},
        status=status,
    )


def bad_request(request, exception=None):
    return _error(request, 400, "Error 400", "The request could not be understood.")


def permission_denied(request, exception=None):
    return _error(
        request,
        403,
        "Error 403",
        "Sorry, you don't have permission to access the page you were trying to reach.",
    )


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # An address no API operation matches (/api/v1/works/-1, a typo): the
        # API's own kind of answer, not the site's page.
        return JsonResponse({"detail": "Not found: no API operation has this address."},
                            status=404)
    return _error(
        request, 404, "Error 404", "The page you were looking for doesn't exist."
    )


#: What a rate-limited visitor is told to wait, in seconds. Limits count per
#: minute, so a minute is the honest short answer.
RETRY_AFTER_SECONDS = 60


def rate_limited(request, limited):
    """The "try again in N" page for a ``web.ratelimit.RateLimited``: 429 with
    its message and an integer ``Retry-After``. (Pages with a form to keep
    answer 429 with the form instead.)"""
    response = _error(request, 429, "Too Many Requests", limited.messages[0])
    response["Retry-After"] = str(max(1, int(limited.retry_after)))
    return response


def too_many_requests(request, exception=None):
    response = _error(
        request,
        429,
        "Too Many Requests",
        f"You have tried this too often in a short time. Please try again in "
        f"{RETRY_AFTER_SECONDS} seconds; nothing you typed has been saved yet.",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: Seconds a visitor is told to wait while the database is away.
DATABASE_RETRY_AFTER = 10
#: What the "database away" page writes back of a failed form: at most this
#: many fields and this many characters in all (a whole chapter fits).
KEPT_FIELDS_MAX = 60
KEPT_CHARS_MAX = 600_000


def _database_away(error: BaseException | None) -> bool:
    """An error that means the database cannot be reached or used just now
    (stopped, restarting, connection lost, locked), not a wrong query."""
    return isinstance(error, (OperationalError, InterfaceError))


def _kept_fields(request) -> tuple[list[tuple[str, str]], bool]:
    """What the visitor sent, for the page to give back: every field but
    tokens and passwords, within the bounds above; True when some was cut."""
    kept, used, cut = [], 0, False
    if request.method != "POST":
        return kept, cut
    try:
        fields = list(request.POST.lists())
    except Exception:  # a body that cannot be read or parsed: nothing to give back
        return kept, cut
    for name, values in fields:
        if name in _TOKEN_FIELDS or _is_password(name):
            continue
        for value in values:
            if len(kept) >= KEPT_FIELDS_MAX or used >= KEPT_CHARS_MAX:
                return kept, True
            if used + len(value) > KEPT_CHARS_MAX:
                value, cut = value[: KEPT_CHARS_MAX - used], True
            kept.append((name, value))
            used += len(value)
    return kept, cut


def disk_is_full(error: BaseException | None) -> bool:
    """An error that means a write found no room on disk: SQLite's "database
    or disk is full", PostgreSQL's ``disk_full`` (53100), or ENOSPC from a file
    write. Django's database errors carry the driver's as their cause."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            return True
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        if getattr(error, "sqlstate", None) == DISK_FULL_SQLSTATE:
            return True
        error = error.__cause__ or error.__context__
    return False


#: PostgreSQL's code for "could not extend file: No space left on device".
DISK_FULL_SQLSTATE = "53100"
#: The status of the disk-full page: WebDAV's "Insufficient Storage".
DISK_FULL_STATUS = 507


def _refused_page(request, *, status: int, title: str, reason: str, detail: str):
    """A page in the site's frame drawn without the database (no account
    menu, no counts, no messages), with a failed form's fields given back,
    read-only, in a form that sends them again; or ``{"detail": …}`` for the
    API. Never kept by a cache."""
    request.user = AnonymousUser()  # the theme and the frame must not look her up
    kept, cut = _kept_fields(request)
    accept = request.META.get("HTTP_ACCEPT", "")
    if request.path.startswith("/api/") or ("json" in accept and "html" not in accept):
        response = HttpResponse(json.dumps({"detail": detail}),
                                content_type="application/json", status=status)
    else:
        response = render(
            request,
            "web/unavailable.html",
            {
                "outage": True,
                "main_class": f"error-{status}",
                "title": title,
                "reason": reason,
                "kept": [(name, value, "\n" in value or len(value) > 80) for name, value in kept],
                "cut": cut,
                "files": bool(request.method == "POST" and _has_files(request)),
                "action": request.get_full_path(),
            },
            status=status,
        )
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(request):
    """503 in the site's frame while the database is away (``_refused_page``)."""
    response = _refused_page(
        request, status=503, title="Back in a moment",
        reason=f"The archive's database is not answering just now. Please try again in "
               f"{DATABASE_RETRY_AFTER} seconds.",
        detail="The database is not answering; please try again shortly.")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def disk_full(request):
    """507 in the site's frame when a write found the disk full: nothing was
    saved (the write's transaction rolled back whole), and what she typed is
    given back. Reading goes on; writing works again once there is room."""
    logger.error("A write was refused: the disk is full (%s %s).", request.method, request.path)
    return _refused_page(
        request, status=DISK_FULL_STATUS, title="The archive's disk is full",
        reason="The archive's disk is full; nothing was saved. The archive's administrators "
               "need to make room before anything can be saved again; reading works meanwhile.",
        detail="The archive's disk is full; nothing was saved.")


def _has_files(request) -> bool:
    try:
        return bool(request.FILES)
    except Exception:
        return False


def server_error(request):
    """Drawn without touching the database, which may be why we are here.
    When it is (the database stopped or the connection was lost), the answer
    is the 503 page instead, in the site's frame; when a write found the disk
    full, the 507 page."""
    error = sys.exc_info()[1]
    if disk_is_full(error):
        try:
            return disk_full(request)
        except Exception:  # drawing it failed too: the plain page below
            logger.exception("could not render the disk-full page")
    elif _database_away(error):
        try:
            return database_unavailable(request)
        except Exception:  # drawing it failed too: the plain page below
            logger.exception("could not render the database-unavailable page")
    try:
        body = render_to_string("web/500.html", {"status": 500})
    except Exception:  # the template itself failed; fall back to plain text
        logger.exception("could not render the 500 page")
        body = "<h1>Error 500</h1><p>Something went wrong on our side.</p>"
    return HttpResponse(body, status=500)


#: Fields never written back into a page: tokens (a fresh one is added) and
#: passwords, which are asked for again instead.
_TOKEN_FIELDS = frozenset({"csrfmiddlewaretoken", "authenticity_token"})


def _is_password(name: str) -> bool:
    return "password" in name.lower()


def csrf_repost(request):
    """The form again, for a post from one of our pages that came without a
    valid token: a guest page shared through the HTTP cache carries none, and
    a browser without JavaScript cannot fetch one. Every field she sent is kept
    (as hidden fields, or visible ones for passwords, which are never written
    into a page) beside a fresh token, so one click sends it as it was.
    None when the post cannot be kept (files)."""
    if request.method != "POST" or request.FILES:
        return None
    kept, passwords = [], []
    for name, values in request.POST.lists():
        if name in _TOKEN_FIELDS:
            continue
        if _is_password(name):
            passwords.append(name)
            continue
        kept.extend((name, value) for value in values)
    return render(
        request,
        "web/csrf_repost.html",
        {
            "main_class": "error-403",
            "title": "Please send this again",
            "action": request.get_full_path(),
            "kept": kept,
            "passwords": passwords,
        },
        status=403,
    )
