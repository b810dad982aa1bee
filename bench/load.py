"""The mixed load of BENCH query 10, with locust, on two stacks.

    .venv/bin/python bench/load.py                      # 100,000 works, both stacks
    .venv/bin/python bench/load.py --quick              # a smoke run: short steps, fewer of them
    .venv/bin/python bench/load.py --stacks a --steps 4,8,16

60% work pages, 25% listings, 5% search, 10% writes (kudos, comments,
bookmarks, posting a work), from guests and signed-in readers
(``bench/load_users.py``), over HTTP from locust's own process. The number
of visitors is stepped up (each sends about one request a second); each step
runs headless for ``--step-seconds`` and its figures come from locust's CSV.
The highest throughput at which p99 stays under 200 ms with zero errors is
the figure. Stacks:

(a) the embedded default: SQLite, one ``chapterhouse serve`` node;
(b) PostgreSQL (a primary and a streaming replica, ``DATABASE_REPLICA_URL``,
    the archive copied into them) + Redis + two ``serve`` nodes, each with its
    own copy of the search index, behind Varnish with deploy/varnish/site.vcl
    balancing across them. What cannot be started is left out and said.

Both use the archive ``discovery_bench.py --keep`` keeps for ``--works``
(generated first when there is none); the server runs on a copy of its var
directory; readers (``loadreader<N>``) are added to the archive once. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

P99_TARGET_MS = 200
LOCUST = str(Path(sys.executable).with_name("locust"))
SITE_VCL = REPO / "deploy" / "varnish" / "site.vcl"


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="load.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--stacks", default="a,b", help="a, b or a,b (both)")
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--steps", help="visitors per step (8,16,32,64,128; quick 4,8,16)")
    parser.add_argument("--step-seconds", type=float, help="seconds per step (30; quick 10)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--readers", type=int, default=400, help="reader accounts to sign in")
    parser.add_argument("--no-replica", action="store_true",
                        help="(b) without the replica: the archive stays where it is")
    parser.add_argument("--stack", help=argparse.SUPPRESS)  # one stack, in a child process
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    args.steps = [int(s) for s in (args.steps or ("4,8,16" if args.quick else
                                                  "8,16,32,64,128")).split(",")]
    if args.step_seconds is None:
        args.step_seconds = 10 if args.quick else 30
    return args


# Locust ---------------------------------------------------------------------------------------


def locust_step(url: str, plan: Path, users: int, seconds: float, offset: int,
                workdir: Path) -> dict:
    """One headless locust run at ``users`` visitors; its aggregated figures."""
    prefix = workdir / f"step-{users}"
    env = {**os.environ, "LOAD_PLAN": str(plan), "LOAD_READER_OFFSET": str(offset)}
    subprocess.run(  # noqa: S603 - our own command
        [LOCUST, "-f", str(REPO / "bench" / "load_users.py"), "--headless", "--host", url,
         "-u", str(users), "-r", str(users), "--run-time", f"{seconds:g}s",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        timeout=seconds + 120,
    )
    with Path(f"{prefix}_stats.csv").open() as stats:
        rows = list(csv.DictReader(stats))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    writes = [row for row in rows if row["Name"].startswith("write")]
    with Path(f"{prefix}_failures.csv").open() as failed:
        failures = list(csv.DictReader(failed))
    return {
        "users": users,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rate": float(total["Requests/s"]),
        "p50": float(total["50%"]),
        "p99": float(total["99%"]),
        "writes": sum(int(row["Request Count"]) for row in writes),
        "write_p99": max((float(row["99%"]) for row in writes), default=0.0),
        "failures": [f"{f['Name']}: {f['Error']} × {f['Occurrences']}" for f in failures],
    }


def run_steps(url: str, plan: Path, args, workdir: Path, readers_per_step: int) -> list[dict]:
    steps = []
    for number, users in enumerate(args.steps):
        print(f"  {users} visitors for {args.step_seconds:g} s …", flush=True)
        step = locust_step(url, plan, users, args.step_seconds,
                           number * readers_per_step, workdir)
        steps.append(step)
        print(f"    {step['rate']:.1f} r/s, p50 {step['p50']:.0f} ms, p99 {step['p99']:.0f} ms, "
              f"{step['errors']} errors", flush=True)
        for failure in step["failures"][:5]:
            print(f"      {failure}")
        if step["p99"] >= P99_TARGET_MS * 3 or step["errors"] > step["requests"] // 10:
            print("    (well past the target: no higher step)")
            break
    return steps


def best(steps: list[dict]) -> dict | None:
    passing = [s for s in steps if s["p99"] < P99_TARGET_MS and s["errors"] == 0]
    return max(passing, key=lambda s: s["rate"]) if passing else None


# The archive and the plan ---------------------------------------------------------------------


def make_plan(subjects: dict, readers: int, path: Path) -> None:
    """Works, listings, searches and signed-in readers for load_users.py."""
    import random

    from django.conf import settings
    from django.test import Client

    from chapterhouse.accounts.models import User
    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
    from chapterhouse.tags.models import Tag
    from chapterhouse.tags.page_selectors import tag_path
    from chapterhouse.works.models import Work

    public = Work.objects.filter(
        posted=True, restricted=False, hidden_by_admin=False, in_unrevealed_collection=False)
    ids = list(public.order_by("?").values_list("pk", flat=True)[:3000])
    fandoms = [Tag.objects.get(pk=pk).name for pk in subjects["fandoms_by_size"][:20]] \
        if subjects.get("fandoms_by_size") else [
            Tag.objects.get(pk=subjects[key]).name
            for key in ("largest_fandom", "tenth_fandom", "two_hundredth_fandom")]
    listings = ["/works", *(tag_path(name, "/works") for name in fandoms)]
    present = set(User.objects.filter(username__startswith="loadreader")
                  .values_list("username", flat=True))
    for n in range(readers):
        if f"loadreader{n}" not in present:
            UserFactory(username=f"loadreader{n}", password=None)
    name = settings.SESSION_COOKIE_NAME
    plan_readers = []
    for user in User.objects.filter(username__startswith="loadreader").order_by("pk")[:readers]:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        plan_readers.append({"session": client.cookies[name].value,
                             "pseud": user.pseuds.get(is_default=True).pk})
    random.Random(10).shuffle(ids)
    path.write_text(json.dumps({
        "works": ids, "listings": listings, "cookie_name": name,
        "searches": [*subjects.get("search_terms", []), subjects.get("trope_phrase", "storm"),
                     "lighthouse", "dragon", "letter"],
        "readers": plan_readers, "rating": GENERAL, "warning": NO_WARNINGS_APPLY,
        "fandom": fandoms[0],
    }))


# The stacks -----------------------------------------------------------------------------------


class Stack:
    """Processes started for one stack, stopped in reverse order."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.stops: list = []
        self.left_out: list[str] = []
        self.parts: list[str] = []

    def serve(self, name: str, var: Path, env: dict, workers: int) -> str:
        from bench.http_cache import wait_for
        from chapterhouse.web.varnishd import free_port

        port = free_port()
        log = (self.workdir / f"{name}.log").open("w")
        process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "chapterhouse.cli", "serve", "--port", str(port),
             "--workers", str(workers)],
            env={**env, "CHAPTERHOUSE_VAR_DIR": str(var)}, cwd=self.workdir,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

        def stop() -> None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

        self.stops.append(stop)
        started = time.monotonic()
        wait_for(f"http://127.0.0.1:{port}/health", process)
        print(f"  {name} up in {time.monotonic() - started:.1f} s", flush=True)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for stop in reversed(self.stops):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stop the rest
                print(f"  (stopping: {exc})")


def copy_var(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("rebuild.lock"))
    return target


def replica_pair(stack: Stack, scratch) -> str | None:
    """A primary and a streaming replica (chapterhouse/web/pgpair.py) holding a
    copy of the archive; the primary's URL (the replica's is in os.environ)."""
    from chapterhouse.web.pgpair import PostgresPair, find_bindir

    if find_bindir() is None:
        stack.left_out.append("the replica (no PostgreSQL binaries for initdb/pg_basebackup)")
        return None
    pair = PostgresPair().start()
    stack.stops.append(pair.stop)
    name = scratch.pg_name
    pair.sql("primary", f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    dump = subprocess.Popen(["pg_dump", "--no-owner", scratch.database_url],  # noqa: S607
                            stdout=subprocess.PIPE)
    subprocess.run(["psql", "-q", "-o", "/dev/null", pair.url("primary", name)],  # noqa: S607
                   stdin=dump.stdout, check=True, stderr=subprocess.DEVNULL)
    dump.wait()
    pair.wait_replayed(seconds=600)
    print(f"  archive copied into a primary and its replica in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    os.environ["DATABASE_REPLICA_URL"] = pair.url("replica", name)
    return pair.url("primary", name)


def run_stack(args) -> dict:
    """In this (child) process: open the archive, start the stack, step the load."""
    from bench.discovery import run as discovery

    db = "sqlite" if args.stack == "a" else "postgres"
    scratch = discovery.scratch_for(db, args.works, keep=True)
    discovery.configure_django(scratch)
    discovery.prepare(scratch, args.works)
    subjects = discovery.ensure_archive(scratch, args.works)
    workdir = Path(tempfile.mkdtemp(prefix=f"chbench-load-{args.stack}-"))
    plan = workdir / "plan.json"
    make_plan(subjects, args.readers, plan)
    from django.db import connections

    connections.close_all()
    stack = Stack(workdir)
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "CHAPTERHOUSE_SEARCH_DIR", "REDIS_URL",
                        "DATABASE_REPLICA_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    result: dict = {"stack": args.stack, "works": args.works}
    try:
        if args.stack == "a":
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'var-a' / 'chapterhouse.sqlite3'}"
            var = copy_var(scratch.var_dir, workdir / "var-a")
            url = stack.serve("node", var, env, args.workers)
            stack.parts = [f"SQLite, one serve node ({args.workers} workers)"]
        else:
            url = build_b(stack, scratch, env, args)
        print(f"Stack ({args.stack}): {'; '.join(stack.parts)}", flush=True)
        for part in stack.left_out:
            print(f"  left out: {part}", flush=True)
        # Warm each node's workers (index opened, templates compiled).
        import requests

        for _ in range(8 * args.workers):
            requests.get(url + "/works", timeout=120)
        readers_per_step = max(1, max(args.steps) // 2 + 2)
        steps = run_steps(url, plan, args, workdir, readers_per_step)
        result.update(parts=stack.parts, left_out=stack.left_out, steps=steps, best=best(steps))
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def build_b(stack: Stack, scratch, env: dict, args) -> str:
    from chapterhouse.web.realservers import RedisServer, redis_server_path
    from chapterhouse.web.varnishd import Varnish, varnishd_path

    database_url = scratch.database_url
    if args.no_replica:
        stack.left_out.append("the replica (--no-replica)")
    else:
        try:
            database_url = replica_pair(stack, scratch) or database_url
        except Exception as exc:  # noqa: BLE001 - run without it and say so
            stack.left_out.append(f"the replica ({exc})")
    env["DATABASE_URL"] = database_url
    if os.environ.get("DATABASE_REPLICA_URL"):
        env["DATABASE_REPLICA_URL"] = os.environ["DATABASE_REPLICA_URL"]
        stack.parts.append("PostgreSQL primary + streaming replica (DATABASE_REPLICA_URL)")
    else:
        stack.parts.append("PostgreSQL")
    if redis_server_path():
        redis = RedisServer()
        redis.start()
        stack.stops.append(redis.stop)
        env["REDIS_URL"] = redis.url
        stack.parts.append("Redis")
    else:
        stack.left_out.append("Redis (redis-server is not installed)")
    nodes = []
    for name in ("node-a", "node-b"):
        var = copy_var(scratch.var_dir, stack.workdir / f"var-{name}")
        nodes.append(stack.serve(name, var, env, args.workers))
    stack.parts.append(f"2 serve nodes ({args.workers} workers each)")
    if varnishd_path() is None:
        stack.left_out.append("the cache (varnishd is not installed): load on node A alone")
        return nodes[0]
    backends = [("127.0.0.1", int(url.rsplit(":", 1)[1])) for url in nodes]
    if SITE_VCL.exists():
        cache = Varnish(stack.workdir / "varnish", backends=backends, vcl=SITE_VCL,
                        memory="256m").start()
        stack.parts.append("Varnish with deploy/varnish/site.vcl across both nodes")
    else:
        cache = Varnish(stack.workdir / "varnish", backend_port=backends[0][1],
                        memory="256m").start()
        stack.parts.append("Varnish (the shipped VCL) in front of node A")
        stack.left_out.append("balancing across the nodes (no deploy/varnish/site.vcl): "
                              "node B idles")
    stack.stops.append(cache.stop)
    return cache.url


# The report -----------------------------------------------------------------------------------


def print_table(results: list[dict]) -> None:
    print(f"\nMixed load (query 10): highest throughput with p99 < {P99_TARGET_MS} ms "
          "and zero errors")
    print(f"{'stack':<6}{'visitors':>9}{'r/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}"
          f"{'writes':>8}{'write p99':>11}  ")
    for result in results:
        for step in result["steps"]:
            mark = "  <- best" if step is result["best"] or step == result["best"] else ""
            print(f"{result['stack']:<6}{step['users']:>9}{step['rate']:>9.1f}{step['p50']:>8.0f}"
                  f"{step['p99']:>8.0f}{step['errors']:>8}{step['writes']:>8}"
                  f"{step['write_p99']:>11.0f}{mark}")
    for result in results:
        found = result["best"]
        figure = (f"{found['rate']:.1f} requests/s ({found['users']} visitors)" if found
                  else "none: no step met it")
        print(f"({result['stack']}) {'; '.join(result['parts'])}: {figure}")
        for part in result["left_out"]:
            print(f"    left out: {part}")


def main(argv=None) -> int:
    args = parse(argv)
    if not Path(LOCUST).exists():
        raise SystemExit("locust is missing: pip install -e '.[bench]'")
    if args.stack:
        out = Path(args.json)
        out.write_text(json.dumps(run_stack(args), default=str))
        return 0
    results = []
    for stack in [s.strip() for s in args.stacks.split(",") if s.strip()]:
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            out = Path(handle.name)
        child = [sys.executable, __file__, "--stack", stack, "--json", str(out),
                 "--works", str(args.works), "--steps", ",".join(map(str, args.steps)),
                 "--step-seconds", str(args.step_seconds), "--workers", str(args.workers),
                 "--readers", str(args.readers), *(["--no-replica"] if args.no_replica else [])]
        print(f"\nStack ({stack}) at {args.works:,} works", flush=True)
        done = subprocess.run(child)  # noqa: S603 - ourselves, in a fresh process per stack
        if done.returncode != 0 or not out.stat().st_size:
            print(f"stack ({stack}) failed ({done.returncode})")
            continue
        results.append(json.loads(out.read_text()))
        out.unlink()
    print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    return 0 if results else 1


if __name__ == "__main__":
    raise SystemExit(main())
