"""Old links to a renamed user's pages keep working."""

import re

from django.http import HttpResponsePermanentRedirect

from . import selectors

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
