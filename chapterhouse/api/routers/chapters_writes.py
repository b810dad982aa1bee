"""``PATCH /chapters/{id}`` and ``DELETE /chapters/{id}``, added to the
chapters router, through ``works.services.chapters`` (adding a chapter is
``POST /works/{id}/chapters``, in works_writes.py)."""

from django.http import Http404, HttpRequest
from ninja import Status

from chapterhouse.works.models import Chapter
from chapterhouse.works.selectors.visibility import chapters_visible_to
from chapterhouse.works.services import chapters as chapter_services

from ..auth import WRITE_AUTH, viewer_of
from ..schemas import ChapterOut
from ..schemas_writes import (
    WRITE_ERRORS,
    ChapterPatch,
    visible_work,
    write_operation,
)
from .chapters import router
from .works_writes import FIELD_NAMES, chapter_fields, chapter_written


def _chapter(viewer, chapter_id: int) -> Chapter:
    """The chapter, if ``viewer`` may see it (a creator sees drafts)."""
    chapter = Chapter.objects.filter(pk=chapter_id).select_related("work").first()
    if chapter is None:
        raise Http404("We couldn't find that chapter.")
    work = visible_work(viewer, chapter.work_id)
    if not chapters_visible_to(viewer, work).filter(pk=chapter.pk).exists():
        raise Http404("We couldn't find that chapter.")
    return chapter


@router.patch("/{int:chapter_id}", auth=WRITE_AUTH,
              response={200: ChapterOut, **WRITE_ERRORS}, tags=["chapters"],
              summary="Edit a chapter")
@write_operation(field_names=FIELD_NAMES)
def chapter_change(request: HttpRequest, chapter_id: int, payload: ChapterPatch):
    """Only the fields you send change; a posted chapter's old text is kept as
    a revision. ``post: true`` posts a draft chapter."""
    user = viewer_of(request)
    chapter = _chapter(user, chapter_id)
    data = payload.model_dump(exclude_unset=True)
    data.pop("post", None)
    fields = chapter_services.chapter_fields_of(chapter)
    fields.expected_chapters = chapter_services.UNCHANGED  # unless the request sets it
    fields = chapter_fields(fields, data)
    chapter = chapter_services.chapter_update(
        user=user, chapter=chapter, fields=fields, post=payload.post
    )
    return Status(200, chapter_written(chapter))


@router.delete("/{int:chapter_id}", auth=WRITE_AUTH, response={204: None, **WRITE_ERRORS},
               tags=["chapters"], summary="Delete a chapter")
@write_operation(field_names=FIELD_NAMES)
def chapter_remove(request: HttpRequest, chapter_id: int):
    """A work's only chapter stays: delete the work instead."""
    user = viewer_of(request)
    chapter_services.chapter_delete(user=user, chapter=_chapter(user, chapter_id))
    return Status(204, None)
