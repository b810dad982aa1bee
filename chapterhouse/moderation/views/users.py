"""Admin pages about users (search, the overview with its action forms) and
the endpoint where a user says she has read a warning. Thin: the rules are in
``services/sanctions.py``, the reads in ``selectors/users.py``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from chapterhouse.web.forms import posted_next
from chapterhouse.web.login import redirect_to_login

from ..access import admin_required
from ..models import Sanction, SanctionKind
from ..roles import SANCTION_USERS, VIEW_USER_DETAILS, can
from ..selectors import users as selectors
from ..services import sanctions as services
from ..services.sanctions import MAX_SUSPENSION_DAYS


def _user_or_404(username: str):
    user = selectors.user_for_admin(username)
    if user is None:
        raise Http404("No such user.")
    return user


@require_GET
@admin_required(VIEW_USER_DETAILS)
def users_index(request):
    query = request.GET.get("q", "").strip()
    return render(request, "moderation/users.html", {
        "main_class": "admin users-index",
        "query": query,
        "found": selectors.users_search(query) if query else [],
    })


def _overview_page(request, user, *, errors=None, form=None, status=200):
    return render(request, "moderation/user_show.html", {
        "main_class": "admin users-show",
        "overview": selectors.user_overview(user),
        "person": user,
        "may_sanction": can(request.user, SANCTION_USERS),
        "errors": errors or {},
        "form": form or {},
        "form_action": (form or {}).get("action", ""),
        "max_days": MAX_SUSPENSION_DAYS,
        "kinds": SanctionKind,
    }, status=status)


@require_GET
@admin_required(VIEW_USER_DETAILS)
def user_show(request, username: str):
    return _overview_page(request, _user_or_404(username))


# Each form on the overview: call the service, say what happened.


def _note(request, user):
    services.admin_note_add(actor=request.user, user=user, text=request.POST.get("text", ""))
    return "The note was added."


def _warn(request, user):
    services.user_warn(actor=request.user, user=user, reason=request.POST.get("reason", ""))
    return f"{user.username} was warned. They will see the warning on their next page."


def _suspend(request, user):
    sanction = services.user_suspend(actor=request.user, user=user,
                                     days=request.POST.get("days", ""),
                                     reason=request.POST.get("reason", ""))
    return f"{user.username} is suspended until {services.until_text(sanction.until)}."


def _ban(request, user):
    services.user_ban(actor=request.user, user=user, reason=request.POST.get("reason", ""))
    return f"{user.username} is banned."


def _spam_ban(request, user):
    services.user_spam_ban(actor=request.user, user=user,
                           reason=request.POST.get("reason", ""))
    return f"{user.username} is banned as a spammer; everything they made is hidden."


def _unsuspend(request, user):
    count = services.user_unsuspend(actor=request.user, user=user,
                                    reason=request.POST.get("reason", ""))
    return f"{user.username} may write again ({count} lifted)."


def _action_view(action: str, permission: str, perform):
    @require_POST
    @admin_required(permission)
    def view(request, username: str):
        user = _user_or_404(username)
        try:
            said = perform(request, user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                errors = error.message_dict
            else:
                errors = {"__all__": error.messages}
            form = {key: value for key, value in request.POST.items()
                    if key in ("text", "reason", "days")}
            form["action"] = action
            return _overview_page(request, user, errors=errors, form=form, status=422)
        messages.success(request, said)
        return HttpResponseRedirect(f"/moderation/users/{user.username}")

    view.__name__ = f"user_{action}"
    return view


user_note = _action_view("note", VIEW_USER_DETAILS, _note)
user_warn = _action_view("warn", SANCTION_USERS, _warn)
user_suspend = _action_view("suspend", SANCTION_USERS, _suspend)
user_ban = _action_view("ban", SANCTION_USERS, _ban)
user_spam_ban = _action_view("spam_ban", SANCTION_USERS, _spam_ban)
user_unsuspend = _action_view("unsuspend", SANCTION_USERS, _unsuspend)


@require_POST
def warning_acknowledge(request, sanction_id: int):
    """The "I have read this" button under a warning."""
    if not request.user.is_authenticated:
        return redirect_to_login("/")
    sanction = Sanction.objects.filter(
        pk=sanction_id, user=request.user, kind=SanctionKind.WARNING
    ).first()
    if sanction is None:
        raise Http404("No such warning.")
    services.warning_acknowledge(user=request.user, sanction=sanction)
    return HttpResponseRedirect(posted_next(request, f"/users/{request.user.username}"))
