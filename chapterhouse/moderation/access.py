"""The door to the admin pages: a role's permission, and two-factor log-in.

``admin_required(permission)`` wraps an admin view:

- a guest is sent to log in, and comes back after;
- someone signed in without the permission gets 403;
- an admin whose session was not signed in with a second factor is sent to
  confirm her code (``/users/2fa/reauthenticate/?next=…``) and comes back
  after, or, with no authenticator yet, is told to set one up (403).

"Signed in with a second factor" means allauth's authentication records for
this session hold an ``mfa`` record: allauth writes one when the log-in's
two-factor step (``/users/2fa/authenticate/``) or a later confirmation
(``/users/2fa/reauthenticate/``) accepts a code. A log-in that skipped the
step (a browser allauth was told to trust, a password-only log-in made
before the authenticator was set up) has none, so it is asked again.

``ADMIN_REQUIRE_MFA`` (default true) can switch the second factor off for a
development site only. Django's own ``/admin/`` asks the same; see
``django_admin.py``.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote, urlsplit

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from chapterhouse.web.login import redirect_to_login

from .roles import ANY_ADMIN, can, is_admin

#: Where admins set up and confirm their second factor (allauth's pages).
MFA_SETUP_URL = "/users/2fa/totp/activate/"
MFA_CONFIRM_URL = "/users/2fa/reauthenticate/"


def signed_in_with_mfa(request) -> bool:
    """Did this session's log-in (or a later confirmation) use a second factor?

    allauth keeps the records with the id of the account they belong to and
    hands them out only for that account, so the user must be passed."""
    user = request.user
    if not user.is_authenticated:
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


def has_authenticator(user) -> bool:
    """Has she an authenticator app (or security key) that can confirm her?"""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def mfa_required() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_MFA", True)


def mfa_satisfied(request) -> bool:
    """May this session open admin pages, as far as the second factor goes?"""
    return not mfa_required() or signed_in_with_mfa(request)


def back_path(request) -> str:
    """Where to come back to after logging in or confirming the code: this
    page, or, for a posted form (its address takes no GET), the page it was
    posted from when that is on this site."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def login_redirect(next_path: str) -> HttpResponseRedirect:
    return redirect_to_login(next_path)


def mfa_needed_response(request, next_path: str):
    """Send a signed-in admin without a second factor in this session on her
    way: to confirm her code (GET; she comes back to ``next_path``), or a page
    saying what to do (no authenticator yet, or a form was posted)."""
    confirm_url = f"{MFA_CONFIRM_URL}?next={quote(next_path)}"
    authenticator = has_authenticator(request.user)
    if authenticator and request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(confirm_url)
    return render(
        request, "moderation/mfa_needed.html",
        {
            "main_class": "admin mfa-needed",
            "has_authenticator": authenticator,
            "setup_url": MFA_SETUP_URL,
            "confirm_url": confirm_url,
        },
        status=403,
    )


def admin_required(permission: str):
    """Wrap an admin view: ``permission`` (a ``roles`` constant) and two-factor."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return login_redirect(back_path(request))
            allowed = is_admin(user) if permission == ANY_ADMIN else can(user, permission)
            if not allowed:
                raise PermissionDenied("Your account may not use this admin page.")
            if not mfa_satisfied(request):
                return mfa_needed_response(request, back_path(request))
            return view(request, *args, **kwargs)

        wrapped.admin_permission = permission
        return wrapped

    return decorate
