"""Scheduled chapters: the background worker posts each chapter whose time has come.

``chapters_post_due`` is idempotent and safe to run from several processes at
once: on PostgreSQL each run locks the due rows it takes and skips rows another
run holds (``SKIP LOCKED``); on SQLite the whole run is one write transaction
(our SQLite transactions start IMMEDIATE, so two runs take turns). In both, a
chapter is marked posted by a conditional UPDATE, so it is posted exactly once.
See docs/background-tasks.md.
"""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone

from chapterhouse.responses.services.subscriptions import subscriptions_notify_posted

from ..models import Chapter, Work
from .stats import work_refresh_stats

log = logging.getLogger(__name__)

#: At most this many chapters in one run; the next run takes the rest.
BATCH_SIZE = 200


def _due(now: datetime.datetime):
    return (
        Chapter.objects.filter(
            posted=False, scheduled_for__isnull=False, scheduled_for__lte=now,
            # Chapters of a draft work wait for the work; posting it leaves
            # scheduled chapters to us.
            work__posted=True,
        )
        .order_by("scheduled_for", "pk")
    )


def chapters_post_due(*, now: datetime.datetime | None = None) -> int:
    """Post every chapter whose ``scheduled_for`` has come; return how many.

    Each gets ``posted``, ``published_on`` (the day it was due) and loses
    ``scheduled_for``; its work's stored numbers are recomputed and its Updated
    date moves to now, as when a creator posts a chapter by hand."""
    now = now or timezone.now()
    with transaction.atomic():
        due = _due(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        taken = list(due.values_list("pk", "work_id", "scheduled_for")[:BATCH_SIZE])
        posted_by_work: dict[int, int] = {}
        for chapter_id, work_id, scheduled_for in taken:
            changed = Chapter.objects.filter(pk=chapter_id, posted=False).update(
                posted=True,
                published_on=timezone.localdate(scheduled_for),
                scheduled_for=None,
                updated_at=now,
            )
            if changed:
                posted_by_work[work_id] = posted_by_work.get(work_id, 0) + 1
                subscriptions_notify_posted(work=work_id, chapter=chapter_id)
        for work in Work.objects.select_for_update().filter(pk__in=posted_by_work).order_by("pk"):
            work_refresh_stats(work=work, new_chapter_posted=True)
    total = sum(posted_by_work.values())
    if total:
        log.info("Posted %d scheduled chapter(s) of %d work(s).", total, len(posted_by_work))
    return total
