"""Pages for reading history, Marked for Later and reading progress. Thin:
rules in ``services/readings.py``, reads in ``selectors/readings.py``."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.accounts.views import owner_required
from chapterhouse.web.forms import posted_next
from chapterhouse.web.login import login_required
from chapterhouse.works.models import Work

from ..models import Reading
from ..selectors import readings as selectors
from ..services import readings as services


def _work(work_id: int) -> Work:
    work = Work.objects.filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    return work


@require_GET
@owner_required
def readings(request, user):
    show = request.GET.get("show", "")
    if show != "to-read":
        show = ""
    found = selectors.readings_of(user=user, show=show, page=request.GET.get("page"))
    preference = preference_for(user)
    return render(
        request,
        "responses/readings.html",
        {
            "main_class": "readings-index dashboard",
            "person": user,
            "show": show,
            "rows": found,
            "history_on": preference is None or preference.history_enabled,
            "page_query": "show=to-read" if show else "",
        },
    )


@require_POST
@owner_required
def reading_delete(request, user, reading_id: int):
    """Forget one work (AO3 posts ``_method=delete``; a plain POST does the same)."""
    reading = Reading.objects.filter(pk=reading_id, user=user).select_related("work").first()
    if reading is None:
        raise Http404("No such entry in your history.")
    services.reading_delete(user=request.user, reading=reading)
    messages.success(request, "Work successfully deleted from your history.")
    return HttpResponseRedirect(posted_next(request, f"/users/{user.username}/readings"))


@require_POST
@owner_required
def readings_clear(request, user):
    services.readings_clear(user=request.user)
    messages.success(request, "Your history is now cleared.")
    return HttpResponseRedirect(f"/users/{user.username}/readings")


def _mark(request, work_id: int, *, later: bool):
    work = _work(work_id)
    try:
        if later:
            services.reading_mark_for_later(user=request.user, work=work)
        else:
            services.reading_mark_as_read(user=request.user, work=work)
    except ValidationError:
        raise Http404("No such work.") from None
    if later:
        messages.success(
            request,
            "This work was added to your Marked for Later list. You can find it on your "
            "History page.",
        )
    else:
        messages.success(request, "This work was removed from your Marked for Later list.")
    return HttpResponseRedirect(posted_next(request, f"/works/{work.pk}"))


@require_POST
@login_required
def mark_for_later(request, work_id: int):
    return _mark(request, work_id, later=True)


@require_POST
@login_required
def mark_as_read(request, work_id: int):
    return _mark(request, work_id, later=False)


def _progress_input(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


@require_POST
def progress(request, work_id: int):
    """The script reports where the reader is: ``{chapter_id, position}``.
    Answers JSON: ``{"saved": true}``, ``{"saved": false}`` when nothing is
    kept (history off), 400 with ``errors`` for a bad chapter or position."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"errors": ["Log in to keep your place here; your browser keeps it meanwhile."]},
            status=403,
        )
    work = Work.objects.filter(pk=work_id).first()
    if work is None:
        return JsonResponse({"errors": ["No such work."]}, status=404)
    data = _progress_input(request)
    try:
        saved = services.reading_progress_save(
            user=request.user, work=work, chapter_id=data.get("chapter_id"),
            position=data.get("position"),
        )
    except PermissionDenied as error:
        return JsonResponse({"errors": [str(error)]}, status=403)
    except ValidationError as error:
        if error.code == "not_found":
            return JsonResponse({"errors": ["No such work."]}, status=404)
        return JsonResponse({"errors": error.messages}, status=400)
    return JsonResponse({"saved": saved is not None})
