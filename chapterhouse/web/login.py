"""Sending a guest to log in, as AO3 does.

A page that needs an account answers a guest with 302 to
``/users/login?return_to=PATH``; the log-in page then shows AO3's flash
("Sorry, you don't have permission to access the page you were trying to
reach. Please log in.") above its form, which tools whose saved session
expired look for. A restricted work sends a guest to
``/users/login?restricted=true`` and remembers the work in a short-lived
cookie, so the address stays the same for every guest (a cache may keep
it). After logging in the reader returns to the page either way
(accounts/sessions_ao3.py).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

LOGIN_PATH = "/users/login"
#: AO3's name for the page to return to after logging in.
RETURN_FIELD = "return_to"
#: The restricted work a guest was sent away from.
RETURN_COOKIE = "return_to"
RETURN_COOKIE_PATH = "/users/"
RETURN_COOKIE_SECONDS = 3600


def is_local_path(path: str) -> bool:
    """A path on this site (``/works/5``), never another host (``//evil``)."""
    return (
        path.startswith("/")
        and not path.startswith("//")
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
    )


def login_url(return_to: str | None = None) -> str:
    if return_to and is_local_path(return_to):
        return f"{LOGIN_PATH}?{RETURN_FIELD}={quote(return_to, safe='/')}"
    return LOGIN_PATH


def redirect_to_login(return_to: str | None = None) -> HttpResponseRedirect:
    """302 to the log-in page, which shows AO3's access-denied flash and
    returns the reader to ``return_to`` afterwards."""
    return HttpResponseRedirect(login_url(return_to))


def redirect_restricted(request) -> HttpResponseRedirect:
    """302 to ``/users/login?restricted=true`` for a guest at a restricted
    work; the work's address rides along in a cookie for after the log-in."""
    response = HttpResponseRedirect(f"{LOGIN_PATH}?restricted=true")
    # "//downloads/…" (which AO3 answers too) would read as another host: one slash.
    path = "/" + request.get_full_path().lstrip("/")
    if is_local_path(path):
        response.set_cookie(
            RETURN_COOKIE,
            path,
            max_age=RETURN_COOKIE_SECONDS,
            path=RETURN_COOKIE_PATH,
            httponly=True,
            samesite="Lax",
        )
    return response


def login_required(view):
    """Like Django's ``login_required``, with AO3's ``return_to`` redirect."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path())

    return wrapper
