"""Pages about people: profiles, pseuds, preferences and account settings.

Sign-up, log-in, password and e-mail pages come from django-allauth (see
``urls.py`` at the project root); their templates are ours, under
``jinja2/account/``.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chapterhouse.web.forms import apply_errors, posted_next
from chapterhouse.web.login import login_required

from . import selectors, services
from .forms import (
    AccountDeleteForm,
    PreferenceForm,
    ProfileForm,
    PseudForm,
    ThemeForm,
    UsernameChangeForm,
)
from .models import Pseud, Theme


def _owner(request, username: str):
    """The user named in the URL, who must be the one signed in."""
    user = selectors.user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    if request.user.pk != user.pk:
        raise PermissionDenied("Sorry, you don't have permission to access that page.")
    return user


def owner_required(view):
    """A page that only the user named in its URL may open."""

    @login_required
    @wraps(view)
    def wrapper(request, username, *args, **kwargs):
        return view(request, _owner(request, username), *args, **kwargs)

    return wrapper


def _person(username: str):
    user = selectors.user_by_name(username)
    if user is None:
        raise Http404("No such user.")
    return user




NOT_DONE = object()


def _submit(request, form, action):
    """For a valid POST, run ``action(cleaned_data)`` (a service call) and
    return what it returns. Otherwise, or when the service refuses, return
    NOT_DONE; the problems are then on the form, next to their fields."""
    if request.method != "POST" or not form.is_valid():
        return NOT_DONE
    try:
        return action(form.cleaned_data)
    except ValidationError as error:
        apply_errors(form, error)
        return NOT_DONE


# --- public pages ---------------------------------------------------------


def user_dashboard(request, username):
    user = _person(username)
    return render(
        request,
        "accounts/dashboard.html",
        {
            "person": user,
            "pseuds": selectors.pseuds_of(user),
            "block_state": selectors.block_state(viewer=request.user, person=user),
            "main_class": "users-show dashboard",
        },
    )


def profile(request, username):
    user = _person(username)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": user,
            "pseuds": selectors.pseuds_of(user),
            "block_state": selectors.block_state(viewer=request.user, person=user),
            "main_class": "profile-show",
        },
    )


def pseud_list(request, username):
    user = _person(username)
    return render(
        request,
        "accounts/pseud_list.html",
        {"person": user, "pseuds": selectors.pseuds_of(user), "main_class": "pseuds-index"},
    )


def pseud_show(request, username, pseud):
    user = _person(username)
    found = selectors.pseud_by_name(user, pseud)
    if found is None:
        raise Http404("No such pseud.")
    return render(
        request,
        "accounts/pseud_show.html",
        {"person": user, "pseud": found, "main_class": "pseuds-show dashboard"},
    )


# --- pseuds ----------------------------------------------------------------


def _pseud_of(user, name: str) -> Pseud:
    pseud = selectors.pseud_by_name(user, name)
    if pseud is None:
        raise Http404("No such pseud.")
    return pseud


@owner_required
def pseud_new(request, user):
    form = PseudForm(request.POST or None, request.FILES or None)
    pseud = _submit(
        request,
        form,
        lambda data: services.pseud_create(
            actor=request.user,
            user=user,
            name=data["name"],
            description=data["description"],
            description_format=data["description_format"],
            icon=data["icon"],
            icon_alt_text=data["icon_alt_text"],
            make_default=data["make_default"],
        ),
    )
    if pseud is not NOT_DONE:
        messages.success(request, f"Pseud {pseud.name} was created.")
        return redirect("accounts:pseuds", username=user.username)
    return render(
        request,
        "accounts/pseud_form.html",
        {"form": form, "person": user, "pseud": None, "main_class": "pseuds-new"},
    )


@owner_required
def pseud_edit(request, user, pseud):
    pseud = _pseud_of(user, pseud)
    initial = {
        "name": pseud.name,
        "description": pseud.description,
        "icon_alt_text": pseud.icon_alt_text,
        "make_default": pseud.is_default,
    }
    form = PseudForm(request.POST or None, request.FILES or None, initial=initial)

    def update(data):
        services.pseud_update(
            actor=request.user,
            pseud=pseud,
            name=data["name"],
            description=data["description"],
            description_format=data["description_format"],
            icon=data["icon"],
            remove_icon=data["remove_icon"],
            icon_alt_text=data["icon_alt_text"],
        )
        if data["make_default"] and not pseud.is_default:
            services.pseud_set_default(actor=request.user, pseud=pseud)

    if _submit(request, form, update) is not NOT_DONE:
        messages.success(request, f"Pseud {pseud.name} was updated.")
        return redirect("accounts:pseuds", username=user.username)
    return render(
        request,
        "accounts/pseud_form.html",
        {"form": form, "person": user, "pseud": pseud, "main_class": "pseuds-edit"},
    )


@owner_required
@require_POST
def pseud_make_default(request, user, pseud):
    pseud = _pseud_of(user, pseud)
    services.pseud_set_default(actor=request.user, pseud=pseud)
    messages.success(request, f"{pseud.name} is now your default pseud.")
    return redirect("accounts:pseuds", username=user.username)


@owner_required
def pseud_delete(request, user, pseud):
    pseud = _pseud_of(user, pseud)
    error = None
    if request.method == "POST":
        try:
            replacement = services.pseud_delete(actor=request.user, pseud=pseud)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(
                request,
                f"Pseud {pseud.name} was deleted; what it made now belongs to {replacement.name}.",
            )
            return redirect("accounts:pseuds", username=user.username)
    return render(
        request,
        "accounts/pseud_delete.html",
        {"person": user, "pseud": pseud, "error": error, "main_class": "pseuds-delete"},
        status=400 if error else 200,
    )


# --- profile, preferences, account ----------------------------------------


@owner_required
def profile_edit(request, user):
    profile = user.profile
    form = ProfileForm(
        request.POST or None,
        initial={"title": profile.title, "location": profile.location, "about": profile.about},
    )
    done = _submit(
        request,
        form,
        lambda data: services.profile_update(
            actor=request.user,
            user=user,
            title=data["title"],
            location=data["location"],
            about=data["about"],
            about_format=data["about_format"],
        ),
    )
    if done is not NOT_DONE:
        messages.success(request, "Your profile was updated.")
        return redirect("accounts:profile", username=user.username)
    return render(
        request,
        "accounts/profile_form.html",
        {"form": form, "person": user, "main_class": "profile-edit"},
    )


@owner_required
def preferences(request, user):
    preference = selectors.preference_for(user)
    form = PreferenceForm(request.POST or None, instance=preference)
    done = _submit(
        request,
        form,
        lambda data: services.preferences_update(
            actor=request.user, user=user, values={name: data[name] for name in form.fields}
        ),
    )
    if done is not NOT_DONE:
        messages.success(request, "Your preferences were saved.")
        return redirect("accounts:preferences", username=user.username)
    return render(
        request,
        "accounts/preferences.html",
        {"form": form, "person": user, "main_class": "preferences-index"},
    )


@owner_required
def change_username(request, user):
    form = UsernameChangeForm(request.POST or None)
    done = _submit(
        request,
        form,
        lambda data: services.username_change(
            user=user, new_username=data["username"], password=data["password"]
        ),
    )
    if done is not NOT_DONE:
        messages.success(
            request,
            f"Your user name is now {user.username}. Links to your old name still work.",
        )
        return redirect("accounts:profile", username=user.username)
    return render(
        request,
        "accounts/change_username.html",
        {"form": form, "person": user, "main_class": "users-change-username"},
    )


@owner_required
def account_delete(request, user):
    form = AccountDeleteForm(request.POST or None)
    done = _submit(
        request,
        form,
        lambda data: services.account_delete(
            user=user, password=data["password"], works_choice=data["works_choice"]
        ),
    )
    if done is not NOT_DONE:
        logout(request)
        messages.success(request, "Your account was deleted. Thank you for being here.")
        return redirect("web:home")
    return render(
        request,
        "accounts/account_delete.html",
        {"form": form, "person": user, "main_class": "users-delete"},
    )


# --- blocks ----------------------------------------------------------------


def block_effects(name: str) -> str:
    """What blocking ``name`` does, in the words every block page uses."""
    return (
        f"{name} can no longer comment on your works, reply to your comments, leave kudos "
        "on your works, or give you gifts or co-creator invitations. You can still see "
        "their works."
    )


class BlockForm(forms.Form):
    username = forms.CharField(label="User name", max_length=150)


def _blocked_users_page(request, user, *, form=None, status=200):
    blocks = selectors.blocks_of(user)
    return render(
        request,
        "accounts/blocked_users.html",
        {
            "person": user,
            "blocks": blocks,
            "block_limit": services.BLOCK_LIMIT,
            "form": form or BlockForm(),
            "main_class": "blocked-users-index",
        },
        status=status,
    )


@owner_required
def blocked_users(request, user):
    """The owner's blocked users; POST blocks someone, by ``username`` (the
    form on this page) or ``blocked_id`` (a user name: the confirmation page)."""
    if request.method != "POST":
        return _blocked_users_page(request, user)
    data = request.POST.copy()
    if not data.get("username") and data.get("blocked_id"):
        data["username"] = data["blocked_id"]
    form = BlockForm(data)
    if form.is_valid():
        target = selectors.user_by_name(form.cleaned_data["username"].strip())
        if target is None:
            form.add_error("username", "We couldn't find a user with that name.")
        else:
            already = selectors.is_blocked(blocker=user, blocked=target)
            try:
                services.block_create(blocker=user, blocked=target)
            except ValidationError as error:
                form.add_error("username", " ".join(error.messages))
            else:
                if already:
                    messages.info(request, f"You had already blocked {target.username}.")
                else:
                    messages.success(
                        request,
                        f"You have blocked {target.username}. {block_effects(target.username)}",
                    )
                return redirect("accounts:blocked_users", username=user.username)
    return _blocked_users_page(request, user, form=form, status=400)


@owner_required
def block_confirm(request, user):
    """Are you sure? (GET ``?blocked_id=NAME``, as the Block button links.)"""
    target = selectors.user_by_name(request.GET.get("blocked_id", "").strip())
    if target is None:
        raise Http404("No such user.")
    block = selectors.block_between(blocker=user, blocked=target)
    problem = None
    if block is None:
        try:
            services.block_check(blocker=user, blocked=target)
        except ValidationError as error:
            problem = " ".join(error.messages)
    return render(
        request,
        "accounts/block_confirm.html",
        {
            "person": user,
            "target": target,
            "block": block,
            "problem": problem,
            "effects": block_effects(target.username),
            "main_class": "blocked-users-confirm-block",
        },
    )


def _block_of(user, block_id: int):
    block = selectors.block_by_id(blocker=user, block_id=block_id)
    if block is None:
        raise Http404("No such block.")
    return block


@owner_required
def unblock_confirm(request, user, block_id: int):
    block = _block_of(user, block_id)
    return render(
        request,
        "accounts/unblock_confirm.html",
        {"person": user, "block": block, "main_class": "blocked-users-confirm-unblock"},
    )


@owner_required
@require_POST
def block_delete(request, user, block_id: int):
    """Unblock (AO3 sends ``_method=delete``; a plain POST does the same)."""
    block = _block_of(user, block_id)
    services.block_delete(blocker=user, blocked=block.blocked)
    messages.success(
        request,
        f"You have unblocked {block.blocked.username}. They can comment on your works, "
        "leave kudos and give you gifts and co-creator invitations again.",
    )
    return redirect("accounts:blocked_users", username=user.username)


# --- theme -----------------------------------------------------------------


@require_POST
def theme_set(request):
    """Switch between light, dark and the device's theme; works without JavaScript."""
    form = ThemeForm(request.POST)
    theme = form.cleaned_data["theme"] if form.is_valid() else Theme.SYSTEM
    next_url = posted_next(request, "/")
    if request.user.is_authenticated:
        services.theme_set(user=request.user, theme=theme)
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        "theme", theme, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response
