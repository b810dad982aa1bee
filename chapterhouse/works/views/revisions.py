"""The history pages: a work's kept revisions, a diff of one, and restoring it.
Creators only: guests are sent to log in, anyone else gets a 403."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from chapterhouse.web.login import login_required

from ..models import ChapterRevision, Work, WorkRevision
from ..services import revisions as revision_services
from ..services.creators import creator_required


def _work_for_creator(request, work_id: int) -> Work:
    work = get_object_or_404(Work, pk=work_id)
    creator_required(user=request.user, work=work)
    return work


def _chapter_revision(request, work_id, chapter_id, revision_id) -> ChapterRevision:
    work = _work_for_creator(request, work_id)
    revision = (
        ChapterRevision.objects.select_related("chapter__work", "editor")
        .filter(pk=revision_id, chapter_id=chapter_id, chapter__work=work)
        .first()
    )
    if revision is None:
        raise Http404("No such revision.")
    return revision


def _work_revision(request, work_id, revision_id) -> WorkRevision:
    work = _work_for_creator(request, work_id)
    revision = (
        WorkRevision.objects.select_related("work", "editor")
        .filter(pk=revision_id, work=work)
        .first()
    )
    if revision is None:
        raise Http404("No such revision.")
    return revision


@login_required
def history(request, work_id):
    work = _work_for_creator(request, work_id)
    return render(
        request,
        "works/history.html",
        {
            "work": work,
            "history": revision_services.work_history(user=request.user, work=work),
            "reason_label": revision_services.reason_label,
            "main_class": "works-history",
        },
    )


def _revision_page(request, comparison, *, work, chapter=None, restore_url):
    return render(
        request,
        "works/revision.html",
        {
            "work": work,
            "chapter": chapter,
            "comparison": comparison,
            "revision": comparison.revision,
            "restore_url": restore_url,
            "reason_label": revision_services.reason_label,
            "main_class": "works-revision",
        },
    )


@login_required
def chapter_revision(request, work_id, chapter_id, revision_id):
    revision = _chapter_revision(request, work_id, chapter_id, revision_id)
    comparison = revision_services.chapter_revision_comparison(
        user=request.user, revision=revision
    )
    return _revision_page(
        request, comparison, work=revision.chapter.work, chapter=revision.chapter,
        restore_url=reverse(
            "works:revision_restore",
            kwargs={"work_id": work_id, "chapter_id": chapter_id, "revision_id": revision_id},
        ),
    )


@login_required
def work_revision(request, work_id, revision_id):
    revision = _work_revision(request, work_id, revision_id)
    comparison = revision_services.work_revision_comparison(user=request.user, revision=revision)
    return _revision_page(
        request, comparison, work=revision.work,
        restore_url=reverse(
            "works:work_revision_restore", kwargs={"work_id": work_id, "revision_id": revision_id}
        ),
    )


@login_required
@require_POST
def chapter_revision_restore(request, work_id, chapter_id, revision_id):
    revision = _chapter_revision(request, work_id, chapter_id, revision_id)
    chapter = revision_services.chapter_revision_restore(user=request.user, revision=revision)
    messages.success(
        request,
        f"Chapter {chapter.position} is back as it was on "
        f"{revision.created_at:%Y-%m-%d %H:%M} (UTC). The text it replaced is kept in the "
        "history.",
    )
    return HttpResponseRedirect(reverse("works:history", kwargs={"work_id": work_id}))


@login_required
@require_POST
def work_revision_restore(request, work_id, revision_id):
    revision = _work_revision(request, work_id, revision_id)
    revision_services.work_revision_restore(user=request.user, revision=revision)
    messages.success(
        request,
        f"The title, summary and notes are back as they were on "
        f"{revision.created_at:%Y-%m-%d %H:%M} (UTC). What they replaced is kept in the "
        "history.",
    )
    return HttpResponseRedirect(reverse("works:history", kwargs={"work_id": work_id}))
