"""Log-in as AO3's tools do it.

Tools written for AO3 (FanFicFare, the ``ao3-api`` library) log in by asking
``/token_dispenser.json`` or the log-in page for an ``authenticity_token`` and
posting ``user[login]``, ``user[password]`` and ``user[remember_me]`` to
``/users/login`` — in the form body or in the query string — and expect 302
with the session cookie when it works. These views translate AO3's field
names to django-allauth's and hand the request to allauth's own log-in view,
so rate limits, e-mail verification and two-factor log-in apply unchanged.
This is the one address where the token counts in the query string
(``web/middleware.QUERY_TOKEN_PATHS``).
"""

from __future__ import annotations

from allauth.account.views import LoginView
from django.http import JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.views.decorators.cache import never_cache

from chapterhouse.web.login import RETURN_COOKIE, RETURN_COOKIE_PATH, RETURN_FIELD, is_local_path

#: AO3's field name → allauth's.
AO3_LOGIN_FIELDS = {
    "user[login]": "login",
    "user[password]": "password",
    "user[remember_me]": "remember",
}

_allauth_login = LoginView.as_view()


def _translated(request) -> QueryDict:
    """The posted data with AO3's log-in fields under allauth's names. A value
    in the body wins over one in the query string; a field already posted under
    allauth's name is left alone."""
    data = request.POST.copy()
    for ao3_name, name in AO3_LOGIN_FIELDS.items():
        if name in data:
            continue
        values = data.getlist(ao3_name) or request.GET.getlist(ao3_name)
        # Rails forms send a hidden "0" before the checkbox's "1".
        chosen = [value for value in values if value not in ("", "0")]
        if chosen:
            data[name] = chosen[-1]
    return data


def _return_path(request) -> str:
    """Where the reader goes after logging in: ``return_to`` (AO3's name, set
    by the access-denied redirect, web/login.py), else ``next``, else the
    restricted work she was sent away from (a cookie). Only paths on this
    site count."""
    for candidate in (
        request.POST.get("next"),
        request.GET.get(RETURN_FIELD),
        request.GET.get("next"),
        request.COOKIES.get(RETURN_COOKIE),
    ):
        if candidate and is_local_path(candidate):
            return candidate
    return ""


@never_cache
def login(request):
    """``/users/login``: the log-in page, taking AO3's field names as well.

    ``?return_to=PATH`` (a page that needs log-in sent the guest here) shows
    AO3's access-denied flash; ``?restricted=true`` (a restricted work did)
    shows AO3's restricted-work notice. Either way the reader returns there
    after logging in."""
    back = _return_path(request)
    if request.method == "POST":
        request.POST = _translated(request)
        if back and not request.POST.get("next"):
            request.POST["next"] = back
    elif back and not request.GET.get("next"):
        query = request.GET.copy()
        query["next"] = back
        request.GET = query
    response = _allauth_login(request)
    if hasattr(response, "context_data") and response.context_data is not None:
        response.context_data["login_access_denied"] = (
            request.method == "GET" and bool(request.GET.get(RETURN_FIELD))
        )
        response.context_data["login_restricted"] = request.GET.get("restricted") == "true"
    logged_in = request.method == "POST" and response.status_code == 302
    if logged_in and RETURN_COOKIE in request.COOKIES:
        response.delete_cookie(RETURN_COOKIE, path=RETURN_COOKIE_PATH)
    return response


@never_cache
def token_dispenser(request):
    """``/token_dispenser.json``: a CSRF token for the next POST (and its cookie)."""
    return JsonResponse({"token": get_token(request)})
