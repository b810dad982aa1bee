"""Benchmark hit counting: what it adds to the work page, and how fast the flush writes.

    .venv/bin/python bench/hits_bench.py                    # SQLite in a temp directory
    .venv/bin/python bench/hits_bench.py --db postgres      # a scratch PostgreSQL database
    .venv/bin/python bench/hits_bench.py --views 1000 --visits 50000

Prints, in milliseconds, p50/p99 of ``hit_record`` alone, of a signed-in
reader's work page with and without hit recording (the difference is the
overhead; a guest's page is shared and counts nothing itself), of a guest's
beacon (``POST /works/ID/hit``, what the shared page's script sends), and the
flush's throughput in visits per second. With ``--db postgres`` the server is
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres); a scratch
database is created there and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scratch import cleanup, scratch, use  # noqa: E402

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def configure(where: dict) -> None:
    use(where)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.STORAGES = {  # no collectstatic here, so no manifest
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The benchmark flushes by itself, so the page path is measured alone.
    settings.HITS_FLUSH_IN_PROCESS = False


def prepare(works: int):
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.hashers import make_password

    from chapterhouse.accounts.models import User
    from chapterhouse.accounts.services import user_setup
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
    from chapterhouse.works.models import Chapter, Creatorship, Work, WorkTag

    creator = User.objects.create(username="benchcreator", email="c@example.invalid",
                                  password=make_password(None))
    user_setup(user=creator)
    pseud = creator.pseuds.get(is_default=True)
    made = []
    for n in range(works):
        work = Work.objects.create(title=f"Bench Work {n}", posted=True, complete=True,
                                   word_count=4)
        Creatorship.objects.create(work=work, pseud=pseud)
        WorkTag.objects.create(work=work, tag_id=GENERAL, position=0)
        WorkTag.objects.create(work=work, tag_id=NO_WARNINGS_APPLY, position=1)
        Chapter.objects.create(work=work, position=1, posted=True,
                               content="<p>The tide came in.</p>", word_count=4)
        made.append(work)
    return made


def ms(values: list[float]) -> str:
    values = sorted(values)
    p50 = statistics.median(values) * 1000
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
    return f"p50 {p50:7.3f} ms   p99 {p99:7.3f} ms"


def bench_record(work, n: int) -> list[float]:
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from chapterhouse.responses.services import hits

    factory = RequestFactory()
    page = SimpleNamespace(work=work, is_creator=False)
    times = []
    for i in range(n):
        request = factory.get(f"/works/{work.pk}", HTTP_USER_AGENT=BROWSER,
                              REMOTE_ADDR=f"10.1.{(i >> 8) & 255}.{i & 255}")
        request.user = AnonymousUser()
        started = time.perf_counter()
        hits.hit_record(request=request, page=page)
        times.append(time.perf_counter() - started)
    return times


def bench_page(work, n: int) -> tuple[list[float], list[float]]:
    """Views with and without hit recording, taken in turns so drift hits both."""
    from django.test import Client

    import chapterhouse.responses.page as feedback_page
    from chapterhouse.accounts.models import User

    real = feedback_page.hit_record
    reader, _ = User.objects.get_or_create(username="benchreader",
                                           defaults={"email": "r@example.invalid"})
    client = Client()
    client.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    timings: dict[bool, list[float]] = {True: [], False: []}
    try:
        for i in range(2 * n):
            recording = i % 2 == 0
            feedback_page.hit_record = real if recording else (lambda **kwargs: None)
            started = time.perf_counter()
            response = client.get(f"/works/{work.pk}", HTTP_USER_AGENT=BROWSER,
                                  REMOTE_ADDR=f"10.2.{(i >> 8) & 255}.{i & 255}")
            timings[recording].append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    finally:
        feedback_page.hit_record = real
    return timings[True], timings[False]


def bench_beacon(work, n: int) -> list[float]:
    """Guests' beacons, each from a new address (each one is counted)."""
    from django.test import Client

    client = Client()
    times = []
    for i in range(n):
        started = time.perf_counter()
        response = client.post(f"/works/{work.pk}/hit", HTTP_USER_AGENT=BROWSER,
                               HTTP_SEC_FETCH_SITE="same-origin",
                               REMOTE_ADDR=f"10.3.{(i >> 8) & 255}.{i & 255}")
        times.append(time.perf_counter() - started)
        assert response.status_code == 204, response.status_code
    return times


def bench_flush(works, visits: int) -> tuple[int, float]:
    from django.utils import timezone

    from chapterhouse.responses.services import hits

    buffer = hits.MemoryBuffer()
    hits.hit_buffer_set(buffer)
    day = timezone.localdate()
    for i in range(visits):
        buffer.add(day, works[i % len(works)].pk, f"visitor-{i}")
    started = time.perf_counter()
    counted = 0
    while buffer.has_pending():
        counted += hits.hits_flush()
    return counted, time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--views", type=int, default=300, help="page views per variant")
    parser.add_argument("--records", type=int, default=5000, help="hit_record calls")
    parser.add_argument("--visits", type=int, default=20000, help="visits to flush")
    parser.add_argument("--works", type=int, default=50)
    args = parser.parse_args(argv)

    where = scratch(args.db, name="hits")
    try:
        configure(where)
        works = prepare(args.works)
        from chapterhouse.responses.services import hits

        print(f"Database: {args.db}")
        hits.hit_buffer_set(hits.MemoryBuffer())
        alone = bench_record(works[0], args.records)
        print(f"hit_record alone       ({args.records} calls): {ms(alone)}")
        bench_page(works[1], 20)  # warm up templates and caches
        hits.hit_buffer_set(hits.MemoryBuffer())
        with_hits, without = bench_page(works[2], args.views)
        print(f"work page, no hits     ({args.views} views): {ms(without)}")
        print(f"work page, with hits   ({args.views} views): {ms(with_hits)}")
        overhead = (statistics.median(with_hits) - statistics.median(without)) * 1000
        print(f"overhead at p50: {overhead:+.3f} ms")
        hits.hit_buffer_set(hits.MemoryBuffer())
        beacons = bench_beacon(works[3], args.views)
        print(f"guest beacon           ({args.views} posts): {ms(beacons)}")
        counted, seconds = bench_flush(works, args.visits)
        print(f"flush: {counted} new visits in {seconds:.2f} s "
              f"({counted / seconds:,.0f} visits/s)")
        started = time.perf_counter()
        hits.hits_flush()
        print(f"flush with nothing waiting: {(time.perf_counter() - started) * 1e6:.1f} µs")
    finally:
        cleanup(where)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
