"""Benchmark query 7 (BENCH.md): a burst of kudos on ONE work.

    .venv/bin/python bench/kudos_burst.py --rate 200 --seconds 5            # quick, SQLite
    .venv/bin/python bench/kudos_burst.py --db postgres                     # 1,000/s for 60 s
    .venv/bin/python bench/kudos_burst.py --db postgres --hot-row           # the plain approach

Givers are distinct: half signed-in users (made in bulk beforehand), half
guests with addresses of their own. ``--repeat`` adds that share of extra
attempts by givers who already have one scheduled in the same instant, so
the duplicate rule is raced too. The attempts are spread over ``--processes``
processes with ``--threads`` threads each, as app servers would, and each
calls ``responses.services.kudos.kudos_give`` at its scheduled moment.

Meanwhile this process plays the worker: it runs ``kudos_counts_flush``
every second, and polls a listing of all works sorted by kudos
(``discovery.selectors.search_works``), in which a rival work starts ahead
of ours with half the expected kudos. It prints attempts, recorded rows,
lost and duplicate kudos, errors, the achieved rate, p50/p99 latency, and
how long after the burst ended the listing showed our work first with its
final count.

``--hot-row`` also bumps ``Work.kudos_count`` with ``F() + 1`` in each
kudos' transaction (the plain approach), to compare.

SQLite runs in a temporary directory; PostgreSQL in a scratch database made
on the server named by DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
Both are removed at the end, also after Ctrl+C.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.scratch import cleanup, scratch, use  # noqa: E402

FLUSH_EVERY = 1.0
POLL_EVERY = 0.05


# The scratch database --------------------------------------------------------------------


def configure(where: dict) -> None:
    use(where)
    import django

    django.setup()
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)


# Preparing ----------------------------------------------------------------------------


def prepare(total: int, repeat: float, seed: int) -> dict:
    """The work, its rival, the givers, and the schedule of attempts."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.hashers import make_password

    from chapterhouse.accounts.models import User
    from chapterhouse.accounts.services import user_setup
    from chapterhouse.works.models import Chapter, Creatorship, Work

    password = make_password(None)
    creator = User.objects.create(username="burstcreator", email="creator@example.invalid",
                                  password=password)
    user_setup(user=creator)
    pseud = creator.pseuds.get(is_default=True)

    def work(title: str, kudos: int) -> Work:
        made = Work.objects.create(title=title, posted=True, complete=True, kudos_count=kudos)
        Creatorship.objects.create(work=made, pseud=pseud)
        Chapter.objects.create(work=made, position=1, posted=True,
                               content="<p>The tide came in.</p>", word_count=4)
        return made

    users = total // 2
    target = work("The Burst", 0)
    rival = work("The Rival", max(1, int(total * 0.5)))
    User.objects.bulk_create(
        [User(username=f"burst{n}", email=f"burst{n}@example.invalid", password=password)
         for n in range(users)], batch_size=5000,
    )
    first = User.objects.filter(username="burst0").values_list("pk", flat=True).get()
    givers = [("user", first + n) for n in range(users)]
    givers += [("guest", f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}")
               for n in range(total - users)]
    rng = random.Random(seed)
    rng.shuffle(givers)
    attempts = [[i, kind, who] for i, (kind, who) in enumerate(givers)]
    # Extra attempts by the same giver at the same moment: the race.
    for i in rng.sample(range(total), int(total * repeat)):
        attempts.append([i, *givers[i]])
    attempts.sort(key=lambda a: a[0])
    return {"work_id": target.pk, "rival_id": rival.pk, "attempts": attempts,
            "distinct": total}


# The givers, in processes of their own -------------------------------------------------


def giver_process() -> None:
    """Reads its share of the plan as JSON on stdin; prints one line per attempt:
    ``slot outcome latency_ms lateness_ms`` and finally ``done``."""
    plan = json.loads(sys.stdin.readline())
    configure(plan["where"])
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import ValidationError
    from django.db import close_old_connections, transaction
    from django.db.models import F

    from chapterhouse.accounts.models import User
    from chapterhouse.discovery.receivers import work_changed
    from chapterhouse.responses.services.kudos import kudos_give
    from chapterhouse.works.models import Work

    work = Work.objects.get(pk=plan["work_id"])
    users = User.objects.in_bulk([who for _, kind, who in plan["attempts"] if kind == "user"])
    guest = AnonymousUser()
    lines: list[str] = []
    lock = threading.Lock()
    threads = plan["threads"]
    connected = threading.Barrier(threads + 1)
    begin = threading.Event()
    timing: dict = {}

    def give(kind, who):
        if kind == "user":
            kudos_give(work=work, viewer=users[who])
        else:
            kudos_give(work=work, viewer=guest, guest_ip=who, guest_token=f"t{who}")
        if plan["hot_row"]:
            Work.objects.filter(pk=work.pk).update(kudos_count=F("kudos_count") + 1)
            work_changed([work.pk])

    def run(mine):
        Work.objects.filter(pk=work.pk).exists()  # connect before the start
        connected.wait()
        begin.wait()
        start, rate = timing["start"], plan["rate"]
        deadline = start + plan["seconds"] + 30
        for slot, kind, who in mine:
            due = start + slot / rate
            wait = due - time.time()
            if wait > 0:
                time.sleep(wait)
            if time.time() > deadline:
                line = f"{slot} skipped 0 0"
            else:
                began = time.time()
                try:
                    if plan["hot_row"]:
                        with transaction.atomic():
                            give(kind, who)
                    else:
                        give(kind, who)
                    outcome = "given"
                except ValidationError as error:
                    keys = getattr(error, "message_dict", {})
                    outcome = "again" if ("user_id" in keys or "ip_address" in keys) else \
                        "refused:" + ",".join(keys or ["other"])
                except Exception as error:  # noqa: BLE001 - counted and shown
                    outcome = "error:" + type(error).__name__
                ended = time.time()
                line = (f"{slot} {outcome} {(ended - began) * 1000:.2f} "
                        f"{(began - due) * 1000:.2f}")
            with lock:
                lines.append(line)
        close_old_connections()

    shares = [plan["attempts"][t::threads] for t in range(threads)]
    workers = [threading.Thread(target=run, args=(share,)) for share in shares]
    for each in workers:
        each.start()
    connected.wait()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    timing["start"] = float(sys.stdin.readline())
    begin.set()
    for each in workers:
        each.join()
    sys.stdout.write("\n".join(lines) + "\ndone\n")
    sys.stdout.flush()


# The worker's part and the listing -------------------------------------------------------


def follow(plan: dict, stop: threading.Event, seen: dict) -> None:
    """Flush counts every second and poll the listing sorted by kudos; note
    when it first shows our work on top with ``seen['want']`` kudos."""
    from django.contrib.auth.models import AnonymousUser
    from django.db import close_old_connections

    from chapterhouse.discovery.query import WorkQuery
    from chapterhouse.discovery.selectors import search_works
    from chapterhouse.responses.services.kudos import kudos_counts_flush

    query = WorkQuery(sort_column="kudos_count", sort_direction="desc")
    guest = AnonymousUser()
    next_flush = time.time()
    while not stop.is_set():
        now = time.time()
        if now >= next_flush:
            began = time.perf_counter()
            kudos_counts_flush()
            seen["flushes"].append((time.perf_counter() - began) * 1000)
            next_flush = now + FLUSH_EVERY
        items = search_works(viewer=guest, query=query, with_facets=False).page.items
        if items:
            top = items[0].work
            seen["log"].append((time.time(), top.pk, top.kudos_count))
            want = seen.get("want")
            if want is not None and seen.get("shown_at") is None:
                shown = next(
                    (at for at, pk, count in seen["log"]
                     if pk == plan["work_id"] and count == want), None
                )
                if shown is not None:
                    seen["shown_at"] = shown
        close_old_connections()
        time.sleep(POLL_EVERY)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=1000, help="kudos a second (1000)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the burst (60)")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--processes", type=int, default=4, help="giving processes (4)")
    parser.add_argument("--threads", type=int, default=16, help="threads per process (16)")
    parser.add_argument("--repeat", type=float, default=0.02,
                        help="share of extra, racing attempts by the same giver (0.02)")
    parser.add_argument("--hot-row", action="store_true",
                        help="also UPDATE kudos_count = kudos_count + 1 in each transaction")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    where = scratch(args.db, name="kudos")
    children: list[subprocess.Popen] = []
    try:
        configure(where)
        total = int(args.rate * args.seconds)
        print(f"Preparing {total:,} givers on {args.db} …", flush=True)
        plan = prepare(total, args.repeat, args.seed)
        from chapterhouse.discovery.engine.index import get_index

        get_index().sync()
        seen: dict = {"flushes": [], "log": []}
        stop = threading.Event()
        follower = threading.Thread(target=follow, args=(plan, stop, seen), daemon=True)
        follower.start()
        for number in range(args.processes):
            child = subprocess.Popen(
                [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                 "from bench.kudos_burst import giver_process; giver_process()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )
            child.stdin.write(json.dumps({
                "where": where, "work_id": plan["work_id"],
                "rate": args.rate, "seconds": args.seconds, "threads": args.threads,
                "hot_row": args.hot_row,
                "attempts": plan["attempts"][number::args.processes],
            }) + "\n")
            child.stdin.flush()
            children.append(child)
        for child in children:  # each has set Django up and connected its threads
            if child.stdout.readline().strip() != "ready":
                raise RuntimeError("a giving process failed to start")
        start = time.time() + 0.5
        for child in children:
            child.stdin.write(f"{start}\n")
            child.stdin.close()
        outcomes: list[str] = []
        tried: set[int] = set()
        last_end = 0.0
        latencies: list[float] = []
        lateness: list[float] = []
        for child in children:
            for line in child.stdout:
                if line.strip() == "done":
                    break
                slot, outcome, latency, late = line.split()
                outcomes.append(outcome)
                if outcome != "skipped":
                    tried.add(int(slot))
                    latencies.append(float(latency))
                    lateness.append(float(late))
                    due = start + int(slot) / args.rate
                    last_end = max(last_end, due + (float(late) + float(latency)) / 1000)

            child.wait(timeout=args.seconds + 120)
        from django.db.models import Count

        from chapterhouse.responses.models import Kudos

        kudos = Kudos.objects.filter(work_id=plan["work_id"])
        recorded = kudos.count()
        seen["want"] = recorded
        deadline = time.time() + 60
        while seen.get("shown_at") is None and time.time() < deadline:
            time.sleep(POLL_EVERY)
        stop.set()
        follower.join(timeout=10)
        duplicates = sum(
            row["n"] - 1 for row in kudos.filter(user__isnull=False).values("user_id")
            .annotate(n=Count("pk")).filter(n__gt=1)
        ) + sum(
            row["n"] - 1 for row in kudos.filter(user__isnull=True).values("guest_ip")
            .annotate(n=Count("pk")).filter(n__gt=1)
        )
        given = outcomes.count("given")
        errors = [o for o in outcomes if o.startswith(("error", "refused"))]
        span = max(last_end - start, 1e-9)
        print()
        print(f"kudos burst on one work, {args.db}, {args.rate:,.0f}/s for {args.seconds:g} s, "
              f"{args.processes} processes x {args.threads} threads"
              f"{', hot-row counter' if args.hot_row else ''}")
        print(f"  attempts              {len(outcomes):,} "
              f"({plan['distinct']:,} distinct givers + {len(outcomes) - plan['distinct']:,} "
              f"racing repeats)")
        print(f"  recorded              {recorded:,} (given {given:,}, "
              f"refused as already given {outcomes.count('again'):,})")
        print(f"  lost                  {len(tried) - recorded:,} (expected {len(tried):,}: "
              f"givers tried; skipped, 30 s behind schedule: {outcomes.count('skipped'):,})")
        print(f"  duplicates            {duplicates:,}")
        print(f"  errors                {len(errors):,} {sorted(set(errors))[:5]}")
        print(f"  achieved rate         {len(latencies) / span:,.0f} attempts/s "
              f"(first start to last answer {span:.1f} s; asked {args.rate:,.0f}/s)")
        if latencies:
            print(f"  latency p50 / p99     {statistics.median(latencies):.1f} / "
                  f"{percentile(latencies, 0.99):.1f} ms")
            print(f"  behind schedule p50 / p99  {statistics.median(lateness):.0f} / "
                  f"{percentile(lateness, 0.99):.0f} ms")
        if seen["flushes"]:
            print(f"  flush p50 / max       {statistics.median(seen['flushes']):.1f} / "
                  f"{max(seen['flushes']):.1f} ms ({len(seen['flushes'])} runs)")
        if seen.get("shown_at") is not None:
            print(f"  listing sorted by kudos showed the final count "
                  f"{seen['shown_at'] - last_end:.2f} s after the last kudos was answered")
        else:
            print("  listing sorted by kudos did NOT show the final count within 60 s")
        return 0 if not errors and duplicates == 0 and len(tried) == recorded else 1
    except KeyboardInterrupt:
        return 130
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
        cleanup(where)


if __name__ == "__main__":
    raise SystemExit(main())
