"""Reader corrections: the reader's form, the creator's queue, the reader's list.
Thin: ``services/corrections.py`` holds every rule."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.web.forms import apply_errors
from chapterhouse.web.login import login_required

from ..forms.corrections import CorrectionForm, CorrectionsSwitchForm
from ..models import Correction, Work
from ..selectors.visibility import chapters_visible_to, works_visible_to
from ..services import corrections as correction_services
from ..services.creators import creator_required


def _readable_chapter(request, work_id: int, chapter_id: int):
    """The work and chapter, if the viewer may read them (else 404)."""
    work = works_visible_to(request.user).filter(pk=work_id).first()
    if work is None:
        raise Http404("No such work.")
    chapter = chapters_visible_to(request.user, work).filter(pk=chapter_id).first()
    if chapter is None:
        raise Http404("No such chapter.")
    chapter.work = work
    return work, chapter


def _chapter_url(work, chapter) -> str:
    return reverse("works:chapter", kwargs={"work_id": work.pk, "chapter_id": chapter.pk})


@login_required
def correction_new(request, work_id, chapter_id):
    work, chapter = _readable_chapter(request, work_id, chapter_id)
    closed = None
    try:
        correction_services.chapter_open_to_corrections(reader=request.user, chapter=chapter)
    except ValidationError as error:
        closed = " ".join(error.messages)
    status = 200
    retry_after = None
    if request.method == "POST" and closed is None:
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                correction_services.correction_propose(
                    reader=request.user, chapter=chapter, **form.cleaned_data
                )
            except correction_services.CorrectionRateLimited as error:
                form.add_error(None, error.messages)
                status, retry_after = 429, error.retry_after
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    "Thank you! Your correction was sent to the creator. You can follow it on "
                    "your corrections page.",
                )
                return HttpResponseRedirect(_chapter_url(work, chapter))
    else:
        form = CorrectionForm(
            initial={
                "passage": request.GET.get("passage", "")[:2000],
                "replacement": request.GET.get("passage", "")[:2000],
                "context_before": request.GET.get("before", "")[-200:],
                "context_after": request.GET.get("after", "")[:200],
            }
        )
    response = render(
        request,
        "works/correction_form.html",
        {
            "work": work, "chapter": chapter, "form": form, "closed": closed,
            "chapter_url": _chapter_url(work, chapter), "main_class": "corrections-new",
        },
        status=403 if closed and request.method == "POST" else status,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _work_for_creator(request, work_id: int) -> Work:
    work = get_object_or_404(Work, pk=work_id)
    creator_required(user=request.user, work=work)
    return work


@login_required
def corrections(request, work_id):
    work = _work_for_creator(request, work_id)
    return render(
        request,
        "works/corrections.html",
        {
            "work": work,
            "pending": correction_services.corrections_pending(user=request.user, work=work),
            "resolved": correction_services.corrections_resolved_count(work=work),
            "main_class": "corrections-index",
        },
    )


@login_required
@require_POST
def corrections_switch(request, work_id):
    work = _work_for_creator(request, work_id)
    form = CorrectionsSwitchForm(request.POST)
    if form.is_valid():
        enabled = form.cleaned_data["enabled"]
        correction_services.work_corrections_set(user=request.user, work=work, enabled=enabled)
        messages.success(
            request,
            "Readers can suggest corrections to this work again." if enabled
            else "Readers can no longer suggest corrections to this work.",
        )
    return HttpResponseRedirect(reverse("works:corrections", kwargs={"work_id": work.pk}))


def _decide(request, work_id, correction_id, action, done: str):
    work = _work_for_creator(request, work_id)
    correction = Correction.objects.filter(pk=correction_id, chapter__work=work).first()
    if correction is None:
        raise Http404("No such correction.")
    try:
        action(user=request.user, correction=correction)
    except ValidationError as error:
        for problem in error.messages:
            messages.error(request, problem)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("works:corrections", kwargs={"work_id": work.pk}))


@login_required
@require_POST
def correction_accept(request, work_id, correction_id):
    return _decide(
        request, work_id, correction_id, correction_services.correction_accept,
        "The correction is in the chapter now; the text before it is kept in the history.",
    )


@login_required
@require_POST
def correction_dismiss(request, work_id, correction_id):
    return _decide(
        request, work_id, correction_id, correction_services.correction_dismiss,
        "The correction was dismissed.",
    )


@login_required
def my_corrections(request, username):
    reader = user_by_name(username)
    if reader is None:
        raise Http404("No such user.")
    if reader.pk != request.user.pk:
        raise PermissionDenied("Only you can see the corrections you suggested.")
    return render(
        request,
        "works/my_corrections.html",
        {
            "person": reader,
            "corrections": correction_services.corrections_of_reader(
                viewer=request.user, reader=reader
            ),
            "main_class": "corrections-index",
        },
    )
