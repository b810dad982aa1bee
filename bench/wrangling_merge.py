"""Benchmark a big wrangling change: merge a tag used on N works into another
canonical, run the recompute job to the end, and time the target tag's listing
while it runs.

    .venv/bin/python bench/wrangling_merge.py                    # 35,000 works, temp SQLite
    .venv/bin/python bench/wrangling_merge.py --works 100000 --batch 2000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_wr .venv/bin/python \\
        bench/wrangling_merge.py

With DATABASE_URL the works go into that database (migrated first; what this
script adds is deleted again at the end). Prints the time the merge itself
took, the job's completion time and batch count, listing p50/p99 (ms) during
the run, and whether any listing read ever missed a work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("CHAPTERHOUSE_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(count: int, label: str):
    """``count`` posted works tagged with a canonical freeform directly (with
    their filter rows), and an empty canonical to merge it into."""
    from django.utils import timezone

    from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
    from chapterhouse.works.models import Work, WorkTag

    old = Tag.objects.create(name=f"Fluff {label}", type=TagType.FREEFORM, canonical=True)
    new = Tag.objects.create(name=f"Fluff and Comfort {label}", type=TagType.FREEFORM,
                             canonical=True)
    now = timezone.now()
    first = (Work.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    Work.objects.bulk_create(
        (Work(title=f"Bench {label} {n}", posted=True, published_on=now.date(), revised_at=now)
         for n in range(count)),
        batch_size=5000,
    )
    ids = list(Work.objects.filter(pk__gte=first, title__startswith=f"Bench {label} ")
               .values_list("pk", flat=True))
    WorkTag.objects.bulk_create((WorkTag(work_id=i, tag=old) for i in ids), batch_size=5000)
    WorkFilterTag.objects.bulk_create((WorkFilterTag(work_id=i, tag=old) for i in ids),
                                      batch_size=5000)
    Tag.objects.filter(pk=old.pk).update(use_count=len(ids))
    return old, new, ids


def reader(new_id: int, old_id: int, expected: int, stop: threading.Event, out: dict) -> None:
    """Read the new tag's first listing page and count, again and again; also
    check that no work is missing from old+new."""
    from django.db import connection
    from django.db.models import Exists, OuterRef

    from chapterhouse.tags.models import WorkFilterTag
    from chapterhouse.works.selectors.visibility import works_visible_to

    timings: list[float] = []
    missing = 0
    try:
        while not stop.is_set():
            started = time.perf_counter()
            under = Exists(WorkFilterTag.objects.filter(tag_id=new_id, work=OuterRef("pk")))
            listing = works_visible_to(None).filter(under, posted=True)
            list(listing.order_by("-revised_at", "-pk").values_list("pk", flat=True)[:20])
            listing.count()
            timings.append((time.perf_counter() - started) * 1000)
            either = Exists(WorkFilterTag.objects.filter(tag_id__in=[new_id, old_id],
                                                         work=OuterRef("pk")))
            if works_visible_to(None).filter(either, posted=True).count() < expected:
                missing += 1
            time.sleep(0.01)
    finally:
        connection.close()
    out["timings"], out["missing"] = timings, missing


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--works", type=int, default=35_000)
    parser.add_argument("--batch", type=int, default=1000, help="works per job batch")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chbench-") as var_dir:
        setup_django(var_dir)
        from django.contrib.auth import get_user_model
        from django.db import connection

        from chapterhouse.tags.models import FilterRecompute, Tag
        from chapterhouse.tags.services.jobs import filter_jobs_pending, filter_jobs_run
        from chapterhouse.tags.services.wrangling import tag_make_synonym
        from chapterhouse.works.models import Work

        label = uuid.uuid4().hex[:8]
        print(f"Database: {connection.vendor}; generating {args.works:,} works …", flush=True)
        started = time.perf_counter()
        old, new, ids = generate(args.works, label)
        print(f"Generated in {time.perf_counter() - started:.1f} s.", flush=True)
        actor = get_user_model().objects.create(username=f"bench_{label}", is_staff=True)

        stop, out = threading.Event(), {}
        thread = threading.Thread(target=reader, args=(new.pk, old.pk, len(ids), stop, out))
        try:
            thread.start()
            time.sleep(0.3)
            started = time.perf_counter()
            tag_make_synonym(actor=actor, tag=old, canonical=new)
            merged = time.perf_counter() - started
            batches = 0
            longest = 0.0
            while filter_jobs_pending():
                batch_started = time.perf_counter()
                filter_jobs_run(batch_size=args.batch, max_batches=1)
                longest = max(longest, time.perf_counter() - batch_started)
                batches += 1
            total = time.perf_counter() - started
        finally:
            stop.set()
            thread.join()
            if os.environ.get("DATABASE_URL"):
                Work.objects.filter(pk__in=ids).delete()
                FilterRecompute.objects.filter(tag__in=[old, new]).delete()
                Tag.objects.filter(pk__in=[old.pk, new.pk]).delete()
                actor.delete()

        timings = out.get("timings", [])
        print(f"Merge (the wrangler's request): {merged * 1000:.0f} ms")
        print(f"Recompute of {len(ids):,} works: {total:.2f} s in {batches} batches "
              f"of {args.batch} (longest batch {longest * 1000:.0f} ms)")
        print(f"Listing of the target tag during the run: {len(timings)} reads, "
              f"p50 {statistics.median(timings) if timings else 0:.1f} ms, "
              f"p99 {percentile(timings, 0.99):.1f} ms")
        print(f"Reads that missed a work: {out.get('missing', 'n/a')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
