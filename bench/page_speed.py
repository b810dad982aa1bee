"""Page speed in one process: the one-shot work page and the landing (tag
listing) page, as a guest and as a signed-in reader, through
``django.test.Client`` on an archive kept by ``discovery_bench.py --keep``.

    .venv/bin/python bench/discovery_bench.py --works 10000 --keep --queries 1   # once
    .venv/bin/python bench/page_speed.py --works 10000
    .venv/bin/python bench/page_speed.py --works 100000 --db postgres --runs 500
    .venv/bin/python bench/page_speed.py --works 10000 --no-html-cache   # render every time
    .venv/bin/python bench/page_speed.py --works 10000 --profile "work, reader"

For each page it prints p50 / p99 of the server time (ms), the CPU time per
page (``time.process_time``, this process only: the database server's time is
not in it with PostgreSQL) and pages a second per core (1 ÷ CPU time), plus
the page's size and queries. Run after a few warm-up visits, so caches are
warm as on a running site. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.discovery.run import (  # noqa: E402
    META_TABLE,
    WsgiClient,
    configure_django,
    percentile,
    scratch_for,
)


def _subjects() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'subjects'")  # noqa: S608
        row = cursor.fetchone()
    return json.loads(row[0])


def _one_shot(target_bytes: int):
    """A guest-visible single-chapter work whose text is nearest ``target_bytes``."""
    from django.db.models import F
    from django.db.models.functions import Abs, Length

    from chapterhouse.works.models import Chapter

    chapter = (
        Chapter.objects.filter(
            posted=True,
            work__posted=True,
            work__restricted=False,
            work__hidden_by_admin=False,
            work__posted_chapter_count=1,
        )
        .annotate(size=Length("content"))
        .annotate(off=Abs(F("size") - target_bytes))
        .order_by("off", "pk")
        .values_list("work_id", "size")
        .first()
    )
    return chapter


def _reader_for(work_id: int):
    from chapterhouse.accounts.models import User
    from chapterhouse.works.models import Creatorship

    creators = Creatorship.objects.filter(work_id=work_id).values("pseud__user_id")
    return (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(pk__in=creators)
        .order_by("pk")
        .first()
    )


@dataclass
class PageSet:
    """The pages timed: the one-shot work (``work_id``, ``size`` characters of
    text), the largest fandom's listing (``landing``), a signed-in reader who
    is not the work's creator, and ``pages`` as (name, client, url)."""

    work_id: int
    size: int
    landing: str
    reader: object
    guest: object
    signed_in: object
    pages: list


def page_set(subjects: dict, *, work_bytes: int = 40_000) -> PageSet:
    from chapterhouse.tags.models import Tag
    from chapterhouse.tags.page_selectors import tag_path

    work_id, size = _one_shot(work_bytes)
    reader = _reader_for(work_id)
    landing = tag_path(Tag.objects.get(pk=subjects["largest_fandom"]).name, "/works")
    guest, signed_in = WsgiClient(), WsgiClient.signed_in(reader)
    pages = [
        ("work, guest", guest, f"/works/{work_id}"),
        ("work, reader", signed_in, f"/works/{work_id}"),
        ("landing, guest", guest, landing),
        ("landing, reader", signed_in, landing),
        ("home, guest", guest, "/"),
    ]
    return PageSet(work_id, size, landing, reader, guest, signed_in, pages)


def measure(client, url: str, *, runs: int, warm: int) -> dict:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(warm):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)
    reset_queries()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    cpu_each = statistics.fmean(cpus)
    return {
        "p50": statistics.median(walls) * 1000,
        "p99": percentile(walls, 0.99) * 1000,
        "cpu_ms": cpu_each * 1000,
        "per_core": 1 / cpu_each if cpu_each else 0.0,
        "bytes": len(response.content),
        "queries": queries,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument(
        "--work-bytes",
        type=int,
        default=40_000,
        help="pick the one-shot whose text is nearest this size",
    )
    parser.add_argument(
        "--no-html-cache",
        action="store_true",
        help="render every blurb and fragment afresh (the cache always misses)",
    )
    parser.add_argument("--profile", help="profile this page instead (e.g. 'work, reader')")
    parser.add_argument("--profile-lines", type=int, default=35,
                        help="functions listed by --profile (by cumulative and by own time)")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL")
    args = parser.parse_args(argv)

    scratch = scratch_for(args.db, args.works, keep=True)
    configure_django(scratch)
    from django.conf import settings

    from chapterhouse.discovery.engine.index import get_index
    from chapterhouse.web.caches import html_cache

    try:
        subjects = _subjects()
    except Exception:  # noqa: BLE001 - no kept archive of this size
        print(
            f"No kept archive of {args.works:,} works ({args.db}): run "
            f"bench/discovery_bench.py --works {args.works} --db {args.db} --keep first."
        )
        return 1
    settings.ALLOWED_HOSTS = ["*"]
    if args.no_html_cache:
        html_cache.get_many = lambda keys: {}
        html_cache.set_many = lambda values: None
    get_index().sync(force=True)
    chosen = page_set(subjects, work_bytes=args.work_bytes)
    work_id, size, landing, pages = (chosen.work_id, chosen.size, chosen.landing, chosen.pages)
    print(
        f"{args.works:,} works on {args.db}; one-shot work {work_id} ({size:,} characters "
        f"of text); landing {landing}; html cache {'off' if args.no_html_cache else 'on'}"
    )
    if args.profile:
        name, client, url = next(p for p in pages if p[0] == args.profile)
        for _ in range(args.warm):
            client.get(url)
        # Timed by CPU (this process), as the table is: waiting on the
        # database server is not counted.
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.runs):
            client.get(url)
        profile.disable()
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats(args.profile_lines)
        stats.sort_stats("tottime").print_stats(args.profile_lines)
        return 0
    print(
        f"{'page':<18}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}{'pages/s/core':>14}"
        f"{'bytes':>9}{'queries':>9}"
    )
    for name, client, url in pages:
        if args.queries:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            print(f"-- {name}:")
            for query in captured.captured_queries:
                print("  ", query["time"], query["sql"][:300])
        row = measure(client, url, runs=args.runs, warm=args.warm)
        print(
            f"{name:<18}{row['p50']:>9.2f}{row['p99']:>9.2f}{row['cpu_ms']:>9.2f}"
            f"{row['per_core']:>14.0f}{row['bytes']:>9,}{row['queries']:>9}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
