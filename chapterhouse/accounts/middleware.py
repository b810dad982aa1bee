"""Old links to a renamed user's pages keep working; the signed-in user is
read with her preferences (``AuthenticationMiddleware``)."""

import re

from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.auth.middleware import get_user
from django.http import HttpResponsePermanentRedirect
from django.utils.functional import SimpleLazyObject

from . import selectors
from .backends import LEGACY_PATHS

_USER_PATH = re.compile(r"^/users/(?P<name>[^/]+)(?P<rest>/.*)?$")


class RenamedUserRedirectMiddleware:
    """When /users/NAME/… is not found and NAME was someone's former user
    name, send the reader to the same page under the new name."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        match = _USER_PATH.match(request.path)
        if not match:
            return response
        user = selectors.user_renamed_from(match["name"])
        if user is None:
            return response
        location = f"/users/{user.username}{match['rest'] or ''}"
        if request.META.get("QUERY_STRING"):
            location += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(location)


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    """Django's, but a session whose backend is Django's or allauth's own
    class is read with this project's subclass of it (``backends.py``: the
    user and her preferences in one query). The session itself is left as it
    was (not marked changed, so not written back because of this)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def _user(request):
    session = request.session
    path = session.get(BACKEND_SESSION_KEY)
    if path in LEGACY_PATHS:
        modified = session.modified
        session[BACKEND_SESSION_KEY] = LEGACY_PATHS[path]
        session.modified = modified
    return get_user(request)
