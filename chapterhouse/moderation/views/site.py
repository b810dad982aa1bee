"""``/moderation/site``: the guest switches and blocked addresses (admins who
may manage the site). Thin: the rules are in ``services/site.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from ..access import admin_required
from ..models import BlockedAddress
from ..roles import MANAGE_SITE
from ..services import site as services

PAGE = "/moderation/site"


def _page(request, *, errors=(), typed=None, status=200):
    return render(
        request,
        "moderation/site.html",
        {
            "main_class": "admin site-settings",
            "settings_row": services.site_settings(),
            "blocks": services.blocked_addresses(),
            "errors": list(errors),
            "typed": typed or {"network": "", "reason": "", "days": ""},
            "widest": services.WIDEST_PREFIX,
            "max_days": services.MAX_DAYS,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@admin_required(MANAGE_SITE)
def site_page(request):
    return _page(request)


@require_POST
@admin_required(MANAGE_SITE)
def switches_update(request):
    row = services.site_settings_update(
        actor=request.user,
        guest_comments_enabled=request.POST.get("guest_comments_enabled") == "1",
        guest_kudos_enabled=request.POST.get("guest_kudos_enabled") == "1",
    )
    messages.success(
        request,
        "Saved. Guest comments are {}; guest kudos are {}.".format(
            "on" if row.guest_comments_enabled else "off",
            "on" if row.guest_kudos_enabled else "off",
        ),
    )
    return HttpResponseRedirect(PAGE)


@require_POST
@admin_required(MANAGE_SITE)
def block_create(request):
    typed = {
        "network": request.POST.get("network", "").strip()[:100],
        "reason": request.POST.get("reason", "").strip()[:1000],
        "days": request.POST.get("days", "").strip()[:10],
    }
    days = None
    errors = []
    if typed["days"]:
        if typed["days"].isdigit():
            days = int(typed["days"])
        else:
            errors.append("Please give the number of days as a whole number, or leave it empty.")
    if not errors:
        try:
            row = services.address_block(
                actor=request.user, network=typed["network"], reason=typed["reason"], days=days
            )
        except ValidationError as invalid:
            errors = invalid.messages
        else:
            messages.success(request, f"Blocked {row.network}.")
            return HttpResponseRedirect(PAGE)
    return _page(request, errors=errors, typed=typed, status=422)


@require_POST
@admin_required(MANAGE_SITE)
def block_delete(request, block_id: int):
    row = BlockedAddress.objects.filter(pk=block_id).first()
    if row is None:
        raise Http404("No such block.")
    services.address_unblock(actor=request.user, blocked=row)
    messages.success(request, f"Removed the block on {row.network}.")
    return HttpResponseRedirect(PAGE)
