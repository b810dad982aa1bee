"""Reads of chapters: ``GET /chapters/{id}``. Writes live in ``chapters_writes.py``
on this same ``router``. Privacy is the work page's: a chapter is there when the
caller may see its work and read the chapter (posted, or due by its schedule;
creators read every chapter)."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError

from chapterhouse.works.models import Chapter
from chapterhouse.works.selectors.visibility import chapter_is_live_q

from ..auth import READ_AUTH
from ..schemas import READ_ERRORS, ChapterOut, chapter_out
from .works import MAX_ID, visible_work_page

PREFIX = "/chapters"
router = Router(tags=["chapters"])

NO_CHAPTER = "We couldn't find that chapter."


@router.get("/{int:chapter_id}", response={200: ChapterOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A chapter, with its text")
def chapter_detail(request, chapter_id: int):
    if chapter_id > MAX_ID:
        raise HttpError(404, NO_CHAPTER)
    work_id = Chapter.objects.filter(pk=chapter_id).values_list("work_id", flat=True).first()
    if work_id is None:
        raise HttpError(404, NO_CHAPTER)
    try:
        page = visible_work_page(request, work_id)
    except HttpError as error:
        # A guest may learn a restricted work's live chapter is there (the
        # site asks her to log in); an unposted one stays hidden.
        live = Chapter.objects.filter(chapter_is_live_q(), pk=chapter_id).exists()
        if error.status_code == 404 or not live:
            raise HttpError(404, NO_CHAPTER) from None
        raise
    chapter = page.chapter(chapter_id)
    if chapter is None:
        raise HttpError(404, NO_CHAPTER)
    return chapter_out(chapter)
