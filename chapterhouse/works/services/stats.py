"""Numbers stored on a work so pages and listings need not count: word count,
posted chapters, completeness, and the Updated date."""

from __future__ import annotations

from django.db.models import Count, Max, Sum
from django.utils import timezone

from ..models import Work


def work_refresh_stats(*, work: Work, new_chapter_posted: bool = False) -> Work:
    """Recompute a work's stored numbers from its posted chapters.

    ``new_chapter_posted`` moves the Updated date to now (AO3 moves it only
    when a chapter is added, not on edits).
    """
    totals = work.chapters.filter(posted=True).aggregate(
        words=Sum("word_count"), last=Max("published_on"), count=Count("pk")
    )
    work.word_count = totals["words"] or 0
    work.posted_chapter_count = totals["count"]
    work.complete = (
        work.expected_chapters is not None
        and work.posted_chapter_count >= work.expected_chapters
    )
    if new_chapter_posted or (work.posted and work.revised_at is None):
        work.revised_at = timezone.now()
    work.save(
        update_fields=["word_count", "posted_chapter_count", "complete", "revised_at",
                       "updated_at"]
    )
    return work
