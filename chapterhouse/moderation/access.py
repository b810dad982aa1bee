"""The door to the admin pages: a role's permission, and two-factor log-in.

``admin_required(permission)`` wraps an admin view. A guest is sent to log
in; someone without the permission gets 403; an admin whose session was not
signed in with a second factor is sent to set one up (no authenticator yet)
or to confirm it (``/users/2fa/reauthenticate/``), and comes back after.
Settings: ``ADMIN_REQUIRE_MFA`` (default true) can switch the second factor
off for a development site only.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render

from .roles import can

#: Where admins set up and confirm their second factor (allauth's pages).
MFA_SETUP_URL = "/users/2fa/totp/activate/"
MFA_CONFIRM_URL = "/users/2fa/reauthenticate/"


def signed_in_with_mfa(request) -> bool:
    """Did this session's log-in (or a later confirmation) use a second factor?"""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request))


def has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def mfa_required() -> bool:
    return getattr(settings, "ADMIN_REQUIRE_MFA", True)


def admin_required(permission: str):
    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return HttpResponseRedirect(
                    f"/users/login/?next={quote(request.get_full_path())}"
                )
            if not can(user, permission):
                raise PermissionDenied("Your account may not use this admin page.")
            if mfa_required() and not signed_in_with_mfa(request):
                return render(
                    request, "moderation/mfa_needed.html",
                    {
                        "main_class": "admin mfa-needed",
                        "has_authenticator": has_authenticator(user),
                        "setup_url": MFA_SETUP_URL,
                        "confirm_url": f"{MFA_CONFIRM_URL}?next={quote(request.get_full_path())}",
                    },
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
