"""Site-wide request handling."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import Http404
from django.utils.cache import patch_cache_control

from .forms import MAX_ID

logger = logging.getLogger(__name__)


class NulCharacterMiddleware:
    """Answer 400 for a page whose path or query string holds a NUL character.
    No name, tag or text can hold one, and PostgreSQL refuses even to compare
    one, so every page that looks a name up would otherwise fail with a server
    error. The API (``/api/``) answers such calls itself, as documented there:
    404 for a name, the character dropped from a search."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and (
            "\x00" in request.path or any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            )
        ):
            from .views import bad_request

            return bad_request(request)
        return self.get_response(request)


class IdRangeMiddleware:
    """Answer 404 for an address whose number (``/works/<id>``, an API path's
    ``{id}``) is past ``MAX_ID``: no row has such an id, and the database
    cannot even be asked about one in every query a page makes. Checked
    once here, after the URL is resolved, for every route of the site and
    the API alike."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
                raise Http404("No row has an id that large.")
        return None


#: The one address that takes the CSRF token in the query string: AO3's
#: log-in, where ao3-api posts ``authenticity_token`` as a query parameter.
QUERY_TOKEN_PATHS = frozenset({"/users/login"})


class AO3CsrfTokenMiddleware:
    """Accept AO3's spellings of the CSRF token, so tools written for AO3 can
    post to us: the ``authenticity_token`` form field and the ``X-CSRF-Token``
    header. The token is still Django's and still checked by
    ``CsrfViewMiddleware``, which runs after this; only its name differs.

    A token in the query string counts only on AO3's log-in address
    (:data:`QUERY_TOKEN_PATHS`). Anywhere else it is ignored, so a POST that
    carries its token only there is refused (403): addresses end up in logs,
    browser history and ``Referer`` headers, where a token must not be."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and "HTTP_X_CSRFTOKEN" not in request.META:
            token = request.META.get("HTTP_X_CSRF_TOKEN")
            if not token and _is_form(request) and "csrfmiddlewaretoken" not in request.POST:
                token = request.POST.get("authenticity_token")
            if not token and request.path_info in QUERY_TOKEN_PATHS:
                token = request.GET.get("authenticity_token")
            if token:
                request.META["HTTP_X_CSRFTOKEN"] = token
        return self.get_response(request)


def _is_form(request) -> bool:
    content_type = request.META.get("CONTENT_TYPE", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


class PrivateCacheMiddleware:
    """Keep every answer to a signed-in person out of shared caches:
    ``Cache-Control: private``, and ``no-cache`` unless the view chose how long
    the browser may keep it. A ``public`` the view set is dropped; ``no-store``
    and ``private`` are left as they are.

    Guests' answers are untouched, so their pages keep whatever caching the
    view gave them. Whether someone is signed in is asked only when the request
    carries a session cookie or the session was read anyway, so a guest's page
    does not gain ``Vary: Cookie`` from this check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _signed_in(request):
            _make_private(response)
        return response


def _signed_in(request) -> bool:
    if request.META.get("HTTP_AUTHORIZATION"):
        return True  # an API token: the answer is that person's
    session = getattr(request, "session", None)
    if session is None:
        return False
    if not (session.accessed or settings.SESSION_COOKIE_NAME in request.COOKIES):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _make_private(response) -> None:
    directives = {
        part.split("=", 1)[0].strip().lower()
        for part in response.get("Cache-Control", "").split(",")
        if part.strip()
    }
    if directives & {"private", "no-store"}:
        return
    if directives & {"max-age", "no-cache"}:
        patch_cache_control(response, private=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except when the disk is full (docs/outages.md): a page whose
    only write was a change to the session (the first page after a comment
    clears a mark there) is still shown, and the change is dropped. Django
    would answer 400 for it, so reading failed while the disk was full."""

    def process_response(self, request, response):
        try:
            return super().process_response(request, response)
        except SessionInterrupted as error:
            from .views import disk_is_full

            if not disk_is_full(error):
                raise
            logger.warning("The disk is full: a change to the session of %s %s was not saved.",
                           request.method, request.path)
            return response
