"""A work's ``version``: a new random number after every change to what its
blurb or its page shows, written in the same transaction as the change.

Cached HTML of a work (listing blurbs, the work page's fragments) is
keyed by it, so a change makes the old copies unreachable at the moment it
commits: nothing is deleted, nothing can be served stale, in every process.
Random rather than counted: a later ``save()`` of an instance loaded before a
change writes its old number back, and a counter would then repeat a number
already used for other content; a save draws a number never seen.

Who draws one:

- ``Work.save`` itself, in the INSERT or UPDATE that saves the work (with
  ``update_fields`` too): once per save, never a second write;
- ``discovery.receivers.work_changed`` for what changes without saving the
  work (its credits and tags, counters written with ``update``, moderation),
  with one UPDATE; not for hit counts, which cached HTML leaves out;
- ``works.receivers`` for what listings' index does not follow (series,
  gifts, a tag's new name or type, a sibling in a series turning anonymous).

Inside ``versions_batch`` (a service writing several rows of one work in one
transaction, such as posting) the UPDATEs wait until the batch ends and are
made once, for the works not saved inside it (their save drew one already).
Nothing renders a work's HTML inside such a batch, so a number drawn early
in it covers what the batch writes after.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import contextmanager

from ..models import Work

_batch = threading.local()


def new_version() -> int:
    return secrets.randbits(62) + 1


@contextmanager
def versions_batch():
    """Collect the works given a new version inside, and give them one on the
    way out (one UPDATE), but for those saved inside. Call it inside the
    writing transaction; nested batches join the outer one."""
    if getattr(_batch, "touched", None) is not None:
        yield
        return
    _batch.touched, _batch.saved = set(), set()
    try:
        yield
        ids = _batch.touched - _batch.saved
    finally:
        _batch.touched = _batch.saved = None
    if ids:
        Work.objects.filter(pk__in=sorted(ids)).update(version=new_version())


def work_saved(work_id) -> None:
    """``Work.save`` wrote a new version of ``work_id`` just now."""
    saved = getattr(_batch, "saved", None)
    if saved is not None:
        saved.add(work_id)


def works_touched(work_ids) -> None:
    """Give each of ``work_ids`` a new version (one UPDATE; at the end of the
    batch inside ``versions_batch``)."""
    ids = sorted({int(pk) for pk in work_ids})
    if not ids:
        return
    touched = getattr(_batch, "touched", None)
    if touched is not None:
        touched.update(ids)
    else:
        Work.objects.filter(pk__in=ids).update(version=new_version())


def works_of_tag_touched(tag_id: int) -> None:
    """Every work carrying ``tag_id`` directly (its name or type changed)."""
    from ..models import WorkTag

    Work.objects.filter(
        pk__in=WorkTag.objects.filter(tag_id=tag_id).values("work_id")
    ).update(version=new_version())


def works_of_series_touched(series_ids, *, saved_work_id: int | None = None) -> None:
    """Every work in ``series_ids`` (a title, or which parts a blurb may show),
    but ``saved_work_id``, whose save wrote a new version already."""
    from ..models import SeriesWork

    ids = sorted({int(pk) for pk in series_ids if pk})
    if ids:
        Work.objects.filter(
            pk__in=SeriesWork.objects.filter(series_id__in=ids).values("work_id")
        ).exclude(pk=saved_work_id).update(version=new_version())
