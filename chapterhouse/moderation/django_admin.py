"""Django's own admin (``/admin/``) asks what the site's admin pages ask:
a staff account, signed in with a second factor in this session.

``admin_site_secure(admin.site)`` (called once, in ``chapterhouse/urls.py``)
changes two things on the site object:

- ``has_permission``: staff, active, and (unless ``ADMIN_REQUIRE_MFA`` is off)
  an ``mfa`` authentication record in the session. Every admin view asks it.
- ``login``: the admin's own log-in form is never used. A guest goes to the
  site's log-in (two-factor step included); a signed-in non-staff account
  gets 403; a staff account without a second factor in this session goes to
  confirm her code (or is told to set one up), and comes back.
"""

from __future__ import annotations

from functools import partial

from allauth.account.utils import get_next_redirect_url
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from .access import login_redirect, mfa_needed_response, mfa_satisfied


def _has_permission(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and mfa_satisfied(request))


def admin_site_secure(site) -> None:
    """Make ``site`` (an ``AdminSite``) ask for two-factor log-in. Safe to call twice."""
    if getattr(site, "two_factor_secured", False):
        return
    # Django's own log-in view, not whatever wraps it now (``site`` may be
    # the lazy ``admin.site``, whose type is not the site's class).
    plain_login = partial(AdminSite.login, site)

    def login(request, extra_context=None):
        next_path = get_next_redirect_url(request) or reverse(
            "admin:index", current_app=site.name
        )
        user = request.user
        if not user.is_authenticated:
            return login_redirect(next_path)
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("Your account may not use the admin.")
        if not mfa_satisfied(request):
            return mfa_needed_response(request, next_path)
        return plain_login(request, extra_context)

    site.has_permission = _has_permission
    site.login = login
    site.two_factor_secured = True
