"""Reading history, Marked for Later, and reading progress.

- ``reading_visit`` runs on every work and chapter page (``responses.page``):
  for a signed-in reader who keeps her history (``Preference.history_enabled``)
  and is not one of the work's creators, it records the visit in one
  statement (an INSERT that updates her row when she has one). It never
  fails the page.
- The chapter on a reading only moves forward: visiting a later chapter than
  the one recorded moves it there (position 0); going back to chapter 1 keeps
  the place, so the page can offer "Continue where you left off".
- ``reading_progress_save`` stores how far into a chapter she read (the
  script ``progress.js`` reports it as she scrolls).
- With history off nothing of this is kept, except Marked for Later, which
  the reader asks for in so many words.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.works.models import Chapter, Work
from chapterhouse.works.selectors.visibility import (
    can_view_work,
    chapters_visible_to,
    is_creator,
    is_signed_in,
)

from ..models import Reading

log = logging.getLogger(__name__)


def history_enabled(user) -> bool:
    preference = preference_for(user)
    return preference is None or preference.history_enabled


def reading_visit(*, viewer, page, chapter) -> None:
    """Remember that ``viewer`` opened ``page.work`` (at ``chapter``)."""
    try:
        if not is_signed_in(viewer) or page.is_creator or not page.work.posted:
            return
        if not history_enabled(viewer):
            return
        _visit(viewer, page.work, chapter)
    except Exception:  # a page must never fail over history
        log.exception("Could not record a reading of work %s", getattr(page.work, "pk", None))


_UPSERT = None


def _upsert_sql() -> str:
    global _UPSERT
    if _UPSERT is None:
        q = connection.ops.quote_name
        table, chapters = q(Reading._meta.db_table), q(Chapter._meta.db_table)
        # The chapter moves forward only: to a later chapter than the one
        # recorded (or when none is). Every right-hand side reads the row as
        # it was (PostgreSQL and SQLite alike), so "forward" is asked of the
        # old chapter in both assignments.
        forward = (
            f"{table}.chapter_id IS NULL OR {table}.chapter_id IN "  # noqa: S608
            f"(SELECT h.id FROM {chapters} h WHERE h.work_id = %s AND h.{q('position')} < %s)"
        )
        # Table and column names from the models; every value is a parameter.
        _UPSERT = f"""
INSERT INTO {table} (user_id, work_id, first_visited_at, last_visited_at, visit_count,
  to_read, chapter_id, {q("position")}, progress_at)
VALUES (%s, %s, %s, %s, 1, %s, %s, 0.0, NULL)
ON CONFLICT (user_id, work_id) DO UPDATE SET
  last_visited_at = excluded.last_visited_at,
  visit_count = {table}.visit_count + 1,
  chapter_id = CASE WHEN %s = 1 AND ({forward})
    THEN excluded.chapter_id ELSE {table}.chapter_id END,
  {q("position")} = CASE WHEN %s = 1 AND ({forward})
    THEN 0.0 ELSE {table}.{q("position")} END
"""  # noqa: S608
    return _UPSERT


def _visit(user, work: Work, chapter: Chapter | None) -> None:
    """One statement: the first visit inserts her row, later ones update it."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    moves = 1 if chapter is not None else 0
    position = chapter.position if chapter is not None else 0
    params = [user.pk, work.pk, now, now, False, chapter.pk if chapter is not None else None,
              moves, work.pk, position, moves, work.pk, position]
    if connection.in_atomic_block:
        # Inside a transaction (tests, or a caller's atomic block) a failed
        # statement must not spoil the rest of it.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_upsert_sql(), params)
        return
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), params)


def _readable(user, work: Work) -> None:
    if not is_signed_in(user):
        raise PermissionDenied("Please log in to keep works to read later.")
    if not can_view_work(user, work) or not work.posted:
        raise ValidationError("We couldn't find that work.", code="not_found")


def _reading_for(user, work: Work) -> Reading:
    reading = Reading.objects.select_for_update().filter(user=user, work=work).first()
    if reading is not None:
        return reading
    try:
        with transaction.atomic():
            return Reading.objects.create(user=user, work=work)
    except IntegrityError:
        return Reading.objects.select_for_update().get(user=user, work=work)


@transaction.atomic
def reading_mark_for_later(*, user, work: Work) -> Reading:
    """Put ``work`` on the reader's Marked for Later list."""
    _readable(user, work)
    reading = _reading_for(user, work)
    if not reading.to_read:
        reading.to_read = True
        reading.save(update_fields=["to_read"])
    return reading


@transaction.atomic
def reading_mark_as_read(*, user, work: Work) -> Reading | None:
    """Take ``work`` off the Marked for Later list."""
    if not is_signed_in(user):
        raise PermissionDenied("Please log in to keep works to read later.")
    reading = Reading.objects.select_for_update().filter(user=user, work=work).first()
    if reading is not None and reading.to_read:
        reading.to_read = False
        reading.save(update_fields=["to_read"])
    return reading


@transaction.atomic
def reading_delete(*, user, reading: Reading) -> None:
    """Forget one work of the history. Only its reader may."""
    if not is_signed_in(user) or reading.user_id != user.pk:
        raise PermissionDenied("Sorry, that isn't your reading history.")
    reading.delete()


@transaction.atomic
def readings_clear(*, user) -> int:
    """Forget the whole history (Marked for Later included, as AO3 does)."""
    if not is_signed_in(user):
        raise PermissionDenied("Please log in.")
    deleted, _ = Reading.objects.filter(user=user).delete()
    return deleted


def position_clean(value) -> float:
    """A position as the script sends it: a number from 0 to 1."""
    try:
        position = float(str(value))
    except (TypeError, ValueError):
        raise ValidationError("The position must be a number from 0 to 1.") from None
    if not math.isfinite(position) or position < 0 or position > 1:
        raise ValidationError("The position must be a number from 0 to 1.")
    return position


@transaction.atomic
def reading_progress_save(*, user, work: Work, chapter_id, position) -> Reading | None:
    """Remember that the reader got ``position`` (0..1) into the chapter
    ``chapter_id`` of ``work``. Returns None when nothing is kept (history
    off, or the reader is one of the creators). Raises ValidationError for a
    chapter that isn't a visible chapter of this work or a bad position."""
    _readable(user, work)
    position = position_clean(position)
    try:
        chapter_id = int(str(chapter_id))
    except (TypeError, ValueError):
        raise ValidationError("Please say which chapter.") from None
    if is_creator(user, work) or not history_enabled(user):
        return None
    chapter = chapters_visible_to(user, work, creator=False).filter(pk=chapter_id).first()
    if chapter is None:
        raise ValidationError("That chapter isn't part of this work.")
    now = timezone.now()
    reading = _reading_for(user, work)
    if reading.first_visited_at is None:
        reading.first_visited_at = now
        reading.last_visited_at = now
        reading.visit_count = max(reading.visit_count, 1)
    reading.chapter = chapter
    reading.position = position
    reading.progress_at = now
    reading.save(update_fields=["first_visited_at", "last_visited_at", "visit_count",
                                "chapter", "position", "progress_at"])
    return reading


__all__ = [
    "history_enabled", "position_clean", "reading_delete",
    "reading_mark_as_read", "reading_mark_for_later", "reading_progress_save",
    "reading_visit", "readings_clear",
]
