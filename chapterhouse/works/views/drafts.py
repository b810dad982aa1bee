"""Keeping what a writer typed, whatever goes wrong: autosave, expired
sessions, CSRF failures and failed saves. See docs/drafts.md."""

from __future__ import annotations

import zoneinfo
from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.views.decorators.http import require_POST

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.web.forms import posted_next
from chapterhouse.web.login import redirect_to_login

from ..forms.posting import initial_from_data
from ..services import drafts

#: The edit forms that keep text, and the key each one's text is kept under.
FORM_KEYS = {
    "works:new": lambda kw: "work:new",
    "works:edit": lambda kw: f"work:{kw['work_id']}",
    "works:chapter_new": lambda kw: f"chapter:new:{kw['work_id']}",
    "works:chapter_edit": lambda kw: f"chapter:{kw['chapter_id']}",
}


def form_key_for(path: str) -> str | None:
    """The draft key of the edit form at ``path``, or None for other pages."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    key_of = FORM_KEYS.get(match.view_name)
    return key_of(match.kwargs) if key_of else None


def local_time(user, moment) -> str:
    """``moment`` as the writer reads a clock: "14:02" (today) or "2 Mar 14:02"."""
    preference = preference_for(user)
    try:
        zone = zoneinfo.ZoneInfo(preference.time_zone if preference else "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    here = moment.astimezone(zone)
    if here.date() == timezone.now().astimezone(zone).date():
        return here.strftime("%H:%M")
    return here.strftime("%d %b %Y %H:%M")


def keep_posted_fields(request, key: str) -> bool:
    """Keep the POSTed fields before anything else can go wrong: as an
    EditDraft for a writer we know, else in the session. True when kept."""
    try:
        data = drafts.form_data_of(request.POST)
    except ValidationError:
        return False
    if request.user.is_authenticated:
        try:
            drafts.edit_draft_save(user=request.user, key=key, data=data)
        except (PermissionDenied, ValidationError):
            return False
        return True
    drafts.session_stash_put(session=request.session, key=key, data=data)
    return True


def keeps_text(view):
    """An edit form's view. A logged-out writer's POST (their session ended
    while they typed) is kept in the session, and they are sent to log in
    with ``next`` back to the form, which then offers the text again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                key = form_key_for(request.path_info)
                if key and keep_posted_fields(request, key):
                    messages.info(
                        request,
                        "You were logged out, so nothing was saved yet — but we kept what "
                        "you typed. Log in and the form will offer it back.",
                    )
            return redirect_to_login(request.path)
        return view(request, *args, **kwargs)

    return wrapper


def restore_into(request, form, *, key: str, saved_at=None) -> dict | None:
    """Fill an unbound ``form`` with kept text, if there is any newer than the
    saved record (``saved_at``; None for a new record). Returns the notice the
    page shows, or None."""
    stash = drafts.session_stash_pop(session=request.session, key=key)
    if stash:
        # Keep it on the server too, until it is saved.
        try:
            drafts.edit_draft_save(user=request.user, key=key, data=stash)
        except (PermissionDenied, ValidationError):
            return None
        form.initial.update(initial_from_data(form, stash))
        return {
            "message": "Your session had ended before your text was saved. Here it is "
            "again: check it and save.",
            "key": key,
        }
    draft = drafts.edit_draft_get(user=request.user, key=key)
    if draft is None or (saved_at is not None and draft.updated_at <= saved_at):
        return None
    form.initial.update(initial_from_data(form, draft.data))
    return {
        "message": "We restored text you had not posted, saved at "
        f"{local_time(request.user, draft.updated_at)}.",
        "key": key,
    }




@require_POST
def autosave(request):
    """``POST /works/autosave``: the editor's script keeps the form here as the
    writer types. With ``discard`` (a no-JS button) it drops the kept text."""
    key = request.POST.get("_draft_key", "")
    if "discard" in request.POST:
        if request.user.is_authenticated:
            drafts.edit_draft_discard(user=request.user, key=key)
            messages.info(request, "The restored text was discarded.")
        return HttpResponseRedirect(posted_next(request, "/"))
    if not request.user.is_authenticated:
        return JsonResponse({"error": "You are logged out; log in to save."}, status=403)
    try:
        draft = drafts.edit_draft_save(
            user=request.user, key=key, data=drafts.form_data_of(request.POST)
        )
    except PermissionDenied:
        return JsonResponse({"error": "You may not edit this."}, status=403)
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse(
        {"saved_at": local_time(request.user, draft.updated_at), "key": key}
    )


def _sent_from_this_site(request) -> bool:
    """Only a post from our own form page is worth keeping. A forged post from
    another site also fails the CSRF check, and its text must never be offered
    to the writer as theirs."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.get_host()


def csrf_failure(request, reason: str = ""):
    """``CSRF_FAILURE_VIEW``. A form that was open too long (or a browser that
    dropped the cookie) must not cost the writer their text: for the edit
    forms the fields are kept, and the page links back to the form."""
    if request.path_info.endswith(".js"):
        # AO3's JSON endpoints (/kudos.js, /comments.js) answer a bad token as
        # AO3 does, so its tools can tell it apart and fetch a new one.
        return JsonResponse(
            {"errors": {"auth_error": "Your session has expired or the page was open too "
                        "long. Please reload it and try again."}},
            status=422,
        )
    key = form_key_for(request.path_info) if request.method == "POST" else None
    if request.method == "POST" and key is None and _sent_from_this_site(request):
        from chapterhouse.responses.views.comments import comment_kept_after_csrf_failure

        response = comment_kept_after_csrf_failure(request)
        if response is not None:
            return response
    if key and _sent_from_this_site(request):
        kept = keep_posted_fields(request, key)
        return render(
            request,
            "works/post_csrf_failure.html",
            {"main_class": "error-403", "form_path": request.path, "kept": kept,
             "status": 403},
            status=403,
        )
    if request.method == "POST" and _sent_from_this_site(request):
        # Any other form of ours (kudos, log-in, a guest page's forms, which a
        # shared copy serves without a token): shown again, fields kept.
        from chapterhouse.web.views import csrf_repost

        response = csrf_repost(request)
        if response is not None:
            return response
    return render(
        request,
        "web/error.html",
        {
            "status": 403,
            "title": "Error 403",
            "message": "Your request could not be checked as coming from this site (the "
            "page may have been open too long, or your browser refused our cookie). "
            "Please reload the page and try again.",
            "main_class": "error-403",
        },
        status=403,
    )

