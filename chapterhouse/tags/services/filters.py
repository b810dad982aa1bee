"""Effective filter tags: the tags a work is listed and filtered under.

For each tag a work carries directly:

- a canonical tag counts as itself;
- a synonym counts as its canonical (``merger``);
- an unwrangled tag (neither canonical nor a synonym) counts as itself, so a
  small site that never wrangles still has working tag listings;
- an *unwrangleable* tag counts as nothing: a wrangler has said it is not for
  filtering (AO3 keeps such tags off filters too).

Then every metatag above those tags, transitively, is added. A work's rows in
``WorkFilterTag`` are swapped to the new set in one transaction per batch, and
only the rows that differ are written, so a reader sees each work with either
its old set or its new set, never with neither.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from chapterhouse.discovery.outbox import WORK_FILTER_TAGS, outbox_record
from chapterhouse.web.bulk import rows_insert

from ..models import Tag, TagUseChange, WorkFilterTag
from ..selectors import metatag_ancestors

#: Works refreshed per transaction by ``work_filter_tags_refresh``.
REFRESH_CHUNK = 1000


def _direct_tags(work_ids: list[int]) -> dict[int, set[int]]:
    from chapterhouse.works.models import WorkTag

    direct: dict[int, set[int]] = {work_id: set() for work_id in work_ids}
    rows = WorkTag.objects.filter(work_id__in=work_ids).values_list("work_id", "tag_id")
    for work_id, tag_id in rows:
        direct[work_id].add(tag_id)
    return direct


def _counts_as(tag_id: int, canonical: bool, merger_id: int | None,
               unwrangleable: bool) -> int | None:
    """The tag a direct tag is filtered under before metatags, or None."""
    if merger_id:
        return merger_id
    if canonical or not unwrangleable:
        return tag_id
    return None


def filter_tags_for(work_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each work's effective filter tag ids, computed from its direct tags
    (a handful of queries, however many works)."""
    work_ids = list(work_ids)
    if not work_ids:
        return {}
    direct = _direct_tags(work_ids)
    tag_ids = set().union(*direct.values())
    counts_as = {
        row[0]: _counts_as(*row)
        for row in Tag.objects.filter(pk__in=tag_ids).values_list(
            "pk", "canonical", "merger_id", "unwrangleable"
        )
    }
    return _effective(direct, counts_as)


def filter_tags_of(tags: Iterable[Tag]) -> set[int]:
    """The effective filter tag ids of a work tagged directly with ``tags``
    (loaded Tag rows): only the metatags are read, one query per level."""
    counts_as = {
        tag.pk: _counts_as(tag.pk, tag.canonical, tag.merger_id, tag.unwrangleable)
        for tag in tags
    }
    return _effective({0: set(counts_as)}, counts_as)[0]


def _effective(direct: dict[int, set[int]], counts_as: dict[int, int | None]
               ) -> dict[int, set[int]]:
    bases = {each for each in counts_as.values() if each is not None}
    above = metatag_ancestors(bases)
    result: dict[int, set[int]] = {}
    for work_id, tags in direct.items():
        effective: set[int] = set()
        for tag_id in tags:
            base = counts_as.get(tag_id)
            if base is not None:
                effective.add(base)
                effective |= above.get(base, set())
        result[work_id] = effective
    return result


def _swap(work_ids: list[int], *, wanted: dict[int, set[int]] | None = None,
          have: dict[int, set[int]] | None = None) -> int:
    """Bring the rows of ``work_ids`` to their new sets; the rows written.
    ``wanted`` (the new sets) and ``have`` (the rows there now) are read from
    the database unless the caller knows them."""
    if wanted is None:
        wanted = filter_tags_for(work_ids)
    if have is None:
        have = {work_id: set() for work_id in work_ids}
        for work_id, tag_id in WorkFilterTag.objects.filter(
            work_id__in=work_ids
        ).values_list("work_id", "tag_id"):
            have[work_id].add(tag_id)
    stale = [
        (work_id, tag_id)
        for work_id in work_ids
        for tag_id in have[work_id] - wanted[work_id]
    ]
    fresh = [
        (work_id, tag_id)
        for work_id in work_ids
        for tag_id in sorted(wanted[work_id] - have[work_id])
    ]
    if stale:
        by_tag: dict[int, list[int]] = {}
        for work_id, tag_id in stale:
            by_tag.setdefault(tag_id, []).append(work_id)
        for tag_id, ids in by_tag.items():
            WorkFilterTag.objects.filter(tag_id=tag_id, work_id__in=ids).delete()
    rows_insert(WorkFilterTag, ("work_id", "tag_id"), fresh)
    changed = sorted({w for w, _ in stale} | {w for w, _ in fresh})
    if changed:
        outbox_record(topic=WORK_FILTER_TAGS, payload={"work_ids": changed})
    return len(stale) + len(fresh)


def work_filter_tags_refresh(*, work_ids: Iterable[int]) -> int:
    """Recompute the effective filter tags of ``work_ids`` and swap each work's
    rows to the new set, one transaction per chunk of works. Records
    ``work.filter_tags`` in the outbox for the works whose set changed.
    Returns the number of rows written (added or removed)."""
    ids = sorted(set(work_ids))
    written = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        with transaction.atomic():
            written += _swap(ids[start:start + REFRESH_CHUNK])
    return written


def work_filter_tags_write(*, work_id: int, tags: Iterable[Tag], new_work: bool = False) -> int:
    """After a service set one work's direct tags to ``tags`` (the loaded Tag
    rows, in hand already): swap its filter rows to the set they give, as
    ``work_filter_tags_refresh`` would, without reading the tags again.
    ``new_work`` says the work was created in this transaction, so it has no
    filter rows yet. Runs in the caller's transaction when there is one."""
    with transaction.atomic(savepoint=False):
        return _swap([work_id], wanted={work_id: filter_tags_of(tags)},
                     have={work_id: set()} if new_work else None)


def tag_use_counts_adjust(*, before: set[int], after: set[int]) -> None:
    """Record that a work's tags changed from ``before`` to ``after`` (tag
    ids), for ``Tag.use_count`` (works tagged directly). Only inserts
    ``TagUseChange`` rows, in one INSERT: updating the tags' rows here would
    lock them until the transaction ends, and every work posted meanwhile
    with one of those tags (all share the ratings, warnings and categories)
    would wait for that commit. ``tag_use_counts_flush`` folds them in (a
    quick task of the worker, every second: ``cli.QUICK_TASKS``)."""
    rows = [(tag_id, 1) for tag_id in sorted(after - before)]
    rows += [(tag_id, -1) for tag_id in sorted(before - after)]
    if rows:
        rows_insert(TagUseChange, ("tag_id", "delta"), rows)


#: Changes folded per transaction by ``tag_use_counts_flush``.
FLUSH_CHUNK = 50_000


def tag_use_counts_flush() -> int:
    """Fold the recorded ``TagUseChange`` rows into ``Tag.use_count``; returns
    how many tags changed. Each round deletes a chunk of the rows, keeping
    what it deleted (``DELETE … RETURNING``), and adds their sums in one
    UPDATE, in one transaction: a row is counted exactly when it is deleted,
    so rows committed meanwhile wait for the next run, and several flushers
    at once never count a row twice."""
    from django.db import connection
    from django.db.models import Case, F, IntegerField, Value, When
    from django.db.models.functions import Greatest

    table = connection.ops.quote_name(TagUseChange._meta.db_table)
    changed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            # The table name comes from the model; the limit is a parameter.
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN "  # noqa: S608
                f"(SELECT id FROM {table} ORDER BY id LIMIT %s) RETURNING tag_id, delta",
                [FLUSH_CHUNK],
            )
            taken = cursor.fetchall()
            sums: dict[int, int] = {}
            for tag_id, delta in taken:
                sums[tag_id] = sums.get(tag_id, 0) + delta
            sums = {tag_id: total for tag_id, total in sums.items() if total}
            if sums:
                Tag.objects.filter(pk__in=sorted(sums)).update(use_count=Greatest(
                    F("use_count") + Case(
                        *(When(pk=tag_id, then=Value(total)) for tag_id, total in sums.items()),
                        default=Value(0), output_field=IntegerField(),
                    ),
                    Value(0),
                ))
                changed += len(sums)
        if len(taken) < FLUSH_CHUNK:
            return changed
