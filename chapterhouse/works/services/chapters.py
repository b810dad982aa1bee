"""Chapters: add (draft, posted or scheduled), edit, delete, reorder.

The work's stored numbers (words, posted chapters, complete, Updated) are
recomputed through ``stats.work_refresh_stats``; the Updated date moves only
when a new chapter is posted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.moderation.guards import may_write
from chapterhouse.responses.services.subscriptions import subscriptions_notify_posted

from ..models import (
    CHAPTER_TITLE_MAX_LENGTH,
    CONTENT_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    Chapter,
    Work,
)
from ..text import TextFormat, texts_ahead, word_count
from . import limits, sources
from .creators import creator_required
from .revisions import chapter_revision_record
from .stats import work_refresh_stats

#: ``expected_chapters`` left as it is.
UNCHANGED = object()


@dataclass
class ChapterFields:
    title: str = ""
    summary: str = ""
    summary_format: str = TextFormat.HTML
    notes: str = ""
    notes_format: str = TextFormat.HTML
    endnotes: str = ""
    endnotes_format: str = TextFormat.HTML
    content: str = ""
    content_format: str = TextFormat.HTML
    scheduled_for: datetime.datetime | None = None
    expected_chapters: object = UNCHANGED


def _check(
    fields: ChapterFields, *, posting: bool, work: Work, count: int, rendered: limits.RenderedTexts
) -> dict:
    errors: dict[str, list[str]] = {k: list(v) for k, v in rendered.errors.items()}
    limits.lengths_check(fields, [
        ("title", CHAPTER_TITLE_MAX_LENGTH, "Chapter titles"),
        ("summary", SUMMARY_MAX_LENGTH, "Summaries"),
        ("notes", NOTES_MAX_LENGTH, "Notes"),
        ("endnotes", NOTES_MAX_LENGTH, "End notes"),
        ("content", CONTENT_MAX_LENGTH, "Chapter text"),
    ], errors)
    limits.formats_check(fields, ("summary", "notes", "endnotes", "content"), errors)
    limits.schedule_check(fields.scheduled_for, errors)
    limits.expected_chapters_check(fields.expected_chapters, errors)
    expected = fields.expected_chapters
    if expected is not UNCHANGED and expected is not None and expected < count:
        errors.setdefault("expected_chapters", []).append(
            f"This work has {count} chapters; the expected number cannot be smaller."
        )
    if (posting or fields.scheduled_for) and "content" not in errors:
        limits.content_check_for_posting(rendered.html["content"], errors)
    return errors


def _write(chapter: Chapter, fields: ChapterFields, rendered: limits.RenderedTexts) -> None:
    chapter.title = " ".join((fields.title or "").split())
    for name in ("summary", "notes", "endnotes", "content"):
        sources.text_store(chapter, name, getattr(fields, name), getattr(fields, f"{name}_format"),
                           html=rendered.html[name])
    chapter.word_count = word_count(chapter.content)


def _set_expected(work: Work, fields: ChapterFields) -> None:
    if fields.expected_chapters is not UNCHANGED:
        work.expected_chapters = fields.expected_chapters
        work.save(update_fields=["expected_chapters", "updated_at"])


def chapter_create(
    *, user: User, work: Work, fields: ChapterFields, post: bool = False
) -> Chapter:
    """Add a chapter at the end. ``post`` posts it now, unless ``scheduled_for``
    is set (then the background task posts it at that time); otherwise it is a
    draft chapter. Chapters of a draft work wait for the work to be posted.
    The texts are sanitised before the transaction opens."""
    creator_required(user=user, work=work)
    may_write(user=user, action="post")
    rendered = limits.texts_render(fields)
    with texts_ahead(rendered.memo), transaction.atomic():
        return _chapter_create(work=work, fields=fields, post=post, rendered=rendered)


def _chapter_create(
    *, work: Work, fields: ChapterFields, post: bool, rendered: limits.RenderedTexts
) -> Chapter:
    work = Work.objects.select_for_update().get(pk=work.pk)
    count = work.chapters.count()
    errors = _check(fields, posting=post, work=work, count=count + 1, rendered=rendered)
    if errors:
        raise ValidationError(errors)
    last = work.chapters.aggregate(last=Max("position"))["last"] or 0
    chapter = Chapter(work=work, position=last + 1, scheduled_for=fields.scheduled_for)
    _write(chapter, fields, rendered)
    posting_now = post and work.posted and fields.scheduled_for is None
    if posting_now:
        chapter.posted = True
        chapter.published_on = timezone.localdate()
    chapter.save()
    _set_expected(work, fields)
    work_refresh_stats(work=work, new_chapter_posted=posting_now)
    if posting_now:
        subscriptions_notify_posted(work=work, chapter=chapter)
    return chapter


def chapter_update(
    *, user: User, chapter: Chapter, fields: ChapterFields, post: bool = False
) -> Chapter:
    """Save the form over ``chapter``. A posted chapter's old text is kept as a
    revision; ``post`` posts a draft chapter (or schedules it). The texts are
    sanitised before the transaction opens."""
    creator_required(user=user, work=chapter.work)
    may_write(user=user, action="post")
    rendered = limits.texts_render(fields)
    with texts_ahead(rendered.memo), transaction.atomic():
        return _chapter_update(
            user=user, chapter=chapter, fields=fields, post=post, rendered=rendered
        )


def _chapter_update(
    *, user: User, chapter: Chapter, fields: ChapterFields, post: bool,
    rendered: limits.RenderedTexts,
) -> Chapter:
    work = Work.objects.select_for_update().get(pk=chapter.work_id)
    chapter = Chapter.objects.get(pk=chapter.pk)
    errors = _check(fields, posting=post or chapter.posted, work=work,
                    count=work.chapters.count(), rendered=rendered)
    if chapter.posted and fields.scheduled_for:
        errors.setdefault("scheduled_for", []).append(
            "This chapter is already posted; it cannot be scheduled."
        )
    if errors:
        raise ValidationError(errors)
    before = (chapter.title, chapter.summary, chapter.notes, chapter.endnotes, chapter.content)
    _write(chapter, fields, rendered)
    after = (chapter.title, chapter.summary, chapter.notes, chapter.endnotes, chapter.content)
    if chapter.posted and before != after:
        old = Chapter.objects.get(pk=chapter.pk)
        chapter_revision_record(chapter=old, editor=user, reason="edit")
    newly_posted = False
    if not chapter.posted:
        chapter.scheduled_for = fields.scheduled_for
        if post and work.posted and fields.scheduled_for is None:
            chapter.posted = True
            chapter.published_on = timezone.localdate()
            newly_posted = True
    chapter.save()
    _set_expected(work, fields)
    work_refresh_stats(work=work, new_chapter_posted=newly_posted)
    if newly_posted:
        subscriptions_notify_posted(work=work, chapter=chapter)
    return chapter


def _renumber(work: Work, ordered: list[Chapter]) -> None:
    for position, chapter in enumerate(ordered, start=1):
        if chapter.position != position:
            chapter.position = position
            chapter.save(update_fields=["position", "updated_at"])


@transaction.atomic
def chapter_delete(*, user: User, chapter: Chapter) -> None:
    """Delete a chapter; a work's only chapter stays (delete the work instead)."""
    work = chapter.work
    creator_required(user=user, work=work)
    work = Work.objects.select_for_update().get(pk=work.pk)
    if work.chapters.count() <= 1:
        raise ValidationError(
            "This is the work's only chapter; delete the whole work instead."
        )
    chapter.delete()
    _renumber(work, list(work.chapters.order_by("position", "pk")))
    work_refresh_stats(work=work)


@transaction.atomic
def chapters_reorder(*, user: User, work: Work, positions: dict[int, int]) -> list[Chapter]:
    """Order the chapters by the numbers the creator typed (``{chapter id:
    number}``); equal numbers keep their old order; then number them 1…n."""
    creator_required(user=user, work=work)
    work = Work.objects.select_for_update().get(pk=work.pk)
    chapters = list(work.chapters.order_by("position", "pk"))
    if set(positions) != {c.pk for c in chapters}:
        raise ValidationError("Please give a position for every chapter.")
    if any(not isinstance(n, int) or n < 1 for n in positions.values()):
        raise ValidationError("Positions must be whole numbers from 1 up.")
    ordered = sorted(chapters, key=lambda c: (positions[c.pk], c.position))
    _renumber(work, ordered)
    return ordered


def chapter_fields_of(chapter: Chapter) -> ChapterFields:
    """The saved chapter as the form shows it, in the format the writer used."""
    texts = {
        name: sources.text_source(chapter, name)
        for name in ("summary", "notes", "endnotes", "content")
    }
    return ChapterFields(
        title=chapter.title,
        summary=texts["summary"][0],
        summary_format=texts["summary"][1],
        notes=texts["notes"][0],
        notes_format=texts["notes"][1],
        endnotes=texts["endnotes"][0],
        endnotes_format=texts["endnotes"][1],
        content=texts["content"][0],
        content_format=texts["content"][1],
        scheduled_for=chapter.scheduled_for,
        expected_chapters=chapter.work.expected_chapters,
    )
