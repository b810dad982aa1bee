"""A work's ``version``: a new random number after every change to what its
blurb or its page shows, written in the same transaction as the change.

Cached HTML of a work (``works.blurb_cache``, the work page's fragments) is
keyed by it, so a change makes the old copies unreachable at the moment it
commits: nothing is deleted, nothing can be served stale, in every process.
Random rather than counted: a later ``save()`` of an instance loaded before a
bump writes its old number back, and a counter would then repeat a number
already used for other content; the bump that follows every save draws a
number never seen.

Who bumps: ``discovery.receivers.work_changed`` (every save of a work, its
credits and tags, counters, moderation), and ``works.receivers`` for what
listings' index does not follow (series, gifts, a tag's new name or type,
a sibling in a series turning anonymous).
"""

from __future__ import annotations

import secrets

from ..models import Work


def new_version() -> int:
    return secrets.randbits(62) + 1


def works_touched(work_ids) -> None:
    """Give each of ``work_ids`` a new version (one UPDATE)."""
    ids = sorted({int(pk) for pk in work_ids})
    if ids:
        Work.objects.filter(pk__in=ids).update(version=new_version())


def works_of_tag_touched(tag_id: int) -> None:
    """Every work carrying ``tag_id`` directly (its name or type changed)."""
    from ..models import WorkTag

    Work.objects.filter(
        pk__in=WorkTag.objects.filter(tag_id=tag_id).values("work_id")
    ).update(version=new_version())


def works_of_series_touched(series_ids) -> None:
    """Every work in ``series_ids`` (a title, or which parts a blurb may show)."""
    from ..models import SeriesWork

    ids = sorted({int(pk) for pk in series_ids if pk})
    if ids:
        Work.objects.filter(
            pk__in=SeriesWork.objects.filter(series_id__in=ids).values("work_id")
        ).update(version=new_version())
