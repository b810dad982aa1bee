"""Recomputing effective filter tags after wrangling, inline or in batches.

A wrangling change names the tags it touched. The works it may have changed
are those listed under a touched tag now (tagged directly with it, one of its
synonyms, or one of its subtags or their synonyms) or before (a
``WorkFilterTag`` row for it). Up to ``INLINE_LIMIT`` such works are
refreshed in the wrangler's own transaction; more become a ``FilterRecompute``
job that the background worker (``chapterhouse worker``) works through in id
order, one short transaction per batch, keeping its cursor in the job row.
"""

from __future__ import annotations

import time

from django.db import connection, transaction
from django.utils import timezone

from ..models import FilterRecompute, Tag, WorkFilterTag
from ..selectors import tags_below
from .filters import _swap

#: Changes that touch at most this many works are applied at once.
INLINE_LIMIT = 500


def _work_ids_under(tag: Tag | int, *, after: int = 0, limit: int | None = None) -> list[int]:
    """Ids (ascending, above ``after``) of works listed under ``tag`` now or before."""
    from chapterhouse.works.models import WorkTag

    tag_id = tag if isinstance(tag, int) else tag.pk
    below = tags_below([tag_id])
    direct = (
        WorkTag.objects.filter(tag_id__in=below, work_id__gt=after)
        .values_list("work_id", flat=True).order_by("work_id").distinct()
    )
    filtered = (
        WorkFilterTag.objects.filter(tag_id=tag_id, work_id__gt=after)
        .values_list("work_id", flat=True).order_by("work_id")
    )
    if limit is not None:
        direct, filtered = direct[:limit], filtered[:limit]
    ids = sorted(set(direct) | set(filtered))
    return ids[:limit] if limit is not None else ids


def filters_recompute_schedule(*, tags: list[Tag], reason: str = "") -> dict[int, str]:
    """After a wrangling change touching ``tags``: refresh their works now when
    few, or queue a job per tag when many. Call inside the wrangling
    transaction. Returns, per tag id, "inline" or "queued"."""
    done: dict[int, str] = {}
    for tag in {each.pk: each for each in tags}.values():
        ids = _work_ids_under(tag, limit=INLINE_LIMIT + 1)
        if len(ids) <= INLINE_LIMIT:
            if ids:
                _swap(ids)
            done[tag.pk] = "inline"
        else:
            # A job for this tag that has not started yet will see this change too.
            waiting = FilterRecompute.objects.filter(tag=tag, done=False, after_work_id=0)
            if waiting.select_for_update().first() is None:
                FilterRecompute.objects.create(tag=tag, reason=reason[:200])
            done[tag.pk] = "queued"
    return done


def _next_job_locked() -> FilterRecompute | None:
    pending = FilterRecompute.objects.filter(done=False).order_by("created_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return pending.first()


def filter_jobs_run(
    *, batch_size: int = 1000, time_budget: float = 10.0, max_batches: int | None = None
) -> int:
    """Work through pending recompute jobs, oldest first, until none is left,
    ``time_budget`` seconds have passed, or ``max_batches`` batches are done.

    Each batch is its own transaction: it locks the job row (skipping a job
    another worker holds), swaps the next ``batch_size`` works after the cursor
    to their new sets, and moves the cursor; the batch that finds no more
    works marks the job done. Returns the number of works refreshed."""
    deadline = time.monotonic() + time_budget
    refreshed = 0
    batches = 0
    while time.monotonic() < deadline and (max_batches is None or batches < max_batches):
        with transaction.atomic():
            job = _next_job_locked()
            if job is None:
                return refreshed
            ids = _work_ids_under(job.tag_id, after=job.after_work_id, limit=batch_size)
            if ids:
                _swap(ids)
                job.after_work_id = ids[-1]
                job.save(update_fields=["after_work_id"])
                refreshed += len(ids)
            else:
                job.done = True
                job.finished_at = timezone.now()
                job.save(update_fields=["done", "finished_at"])
            batches += 1
    return refreshed


def filter_jobs_pending() -> int:
    return FilterRecompute.objects.filter(done=False).count()
