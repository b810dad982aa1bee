"""Every figure of the serving issue's acceptance from one command.

    .venv/bin/python bench/serving.py --works 1000000 --db postgres
    .venv/bin/python bench/serving.py --works 10000 --db postgres --quick

It opens the archive ``discovery_bench.py --keep`` leaves for that size and
database (generating and loading it first when there is none), then measures,
reusing the other benchmarks' code:

1. in this process, with the search index loaded and ``gc.freeze()`` in
   effect: queries 1-5 (full page, engine, PostgreSQL baseline, the ratios;
   ``discovery/run.py``), and the work and landing pages as a guest and as a
   signed-in reader (p50 / p99, CPU time per page, pages a second per core;
   ``page_speed.py``), counting the full (generation 2) collections during
   those timed runs;
2. posting from two processes and how soon each work is in a filtered
   listing (query 8, ``discovery/run.py``);
3. over HTTP, ``chapterhouse serve --workers N`` on a copy of the archive's
   var directory with Varnish in front (``http_cache.py``): wrk through the
   cache, straight from the app, and the same bytes from nginx, side by side;
   a signed-in reader's work page straight from the app with readers'
   session cookies (one reader per connection); for the uncached runs, the
   CPU time the gunicorn workers used per request (``/proc/PID/stat`` before
   and after), so pages a second per core;
4. the node's memory after those runs: every process's RSS, private memory
   and PSS (``index_memory.py``).

Last it prints one table: each acceptance figure, its target, and whether it
is met. ``--quick`` runs fewer timings and shorter wrk runs. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import http_cache, index_memory, page_speed  # noqa: E402
from bench.discovery import run as discovery  # noqa: E402

MIB = 1024 * 1024

# Arguments ------------------------------------------------------------------------------------

#: (full, --quick) values of the settings --quick shortens.
PROFILES = {
    "runs": (50, 10),  # timed runs per query
    "page_runs": (300, 60),  # timed runs per page in this process
    "page_warm": (20, 5),
    "duration": (10, 3),  # seconds per wrk run
    "posting_seconds": (10, 4),
    "warm_requests": (15, 4),  # per thread, before the HTTP runs
}


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="serving.py",
        description=__doc__.split("\n\n")[0],
    )
    parser.add_argument("--works", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument(
        "--quick", action="store_true", help="fewer timed runs and shorter wrk runs"
    )
    parser.add_argument("--runs", type=int, help="timed runs per query (50; quick 10)")
    parser.add_argument(
        "--page-runs", type=int, help="timed runs per page in this process (300; quick 60)"
    )
    parser.add_argument("--page-warm", type=int, help="warm-up visits per page (20; quick 5)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (10; quick 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--posters", type=int, default=2, help="posting processes")
    parser.add_argument(
        "--posting-rate",
        type=float,
        default=55,
        help="works a second asked of the posters together (the target is 50)",
    )
    parser.add_argument("--posting-seconds", type=float, help="seconds of posting (10; quick 4)")
    parser.add_argument(
        "--warm-requests",
        type=int,
        help="warm-up requests per thread before the HTTP runs (15; quick 4)",
    )
    parser.add_argument(
        "--work-bytes",
        type=int,
        default=40_000,
        help="the one-shot work whose text is nearest this size",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to leave out: queries, pages, posting, http",
    )
    parser.add_argument(
        "--reindex", action="store_true", help="rebuild the kept archive's search index first"
    )
    parser.add_argument(
        "--no-baseline", action="store_true",
        help="leave out the plain-PostgreSQL baseline (seconds a run at 1M works)",
    )
    parser.add_argument("--json", help="also write every figure to this file")
    args = parser.parse_args(argv)
    for name, (full, quick) in PROFILES.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    unknown = args.skip - {"queries", "pages", "posting", "http"}
    if unknown:
        parser.error(f"--skip: unknown part(s) {', '.join(sorted(unknown))}")
    return args


# The acceptance -------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the summary: ``met`` is None when the figure was not measured."""

    what: str
    value: str
    target: str
    met: bool | None


def _check(what: str, value, target: float, *, most: bool, unit: str, digits: int = 1) -> Row:
    sign = "≤" if most else "≥"
    if value is None:
        return Row(what, "-", f"{sign} {target:g}{unit}", None)
    met = value <= target if most else value >= target
    return Row(what, f"{value:,.{digits}f}{unit}", f"{sign} {target:g}{unit}", met)


def acceptance(figures: dict) -> list[Row]:
    """The issue's acceptance figures from what was measured (``figures`` as
    ``measure`` collects them; a missing figure gives a row marked not measured)."""
    rows: list[Row] = []
    cases = {case["key"]: case for case in figures.get("cases", [])}

    def page(key: str, which: str):
        return (cases.get(key) or {}).get("page", {}).get(which)

    for key, name in (("1", "query 1"), ("3", "query 3")):
        rows.append(_check(f"{name} page p50", page(key, "p50"), 15, most=True, unit=" ms"))
        rows.append(_check(f"{name} page p99", page(key, "p99"), 50, most=True, unit=" ms"))
    for key in ("4a", "4b", "4c"):
        rows.append(_check(f"query {key} page p50", page(key, "p50"), 30, most=True, unit=" ms"))
    rows.append(_check("query 5 page p50", page("5", "p50"), 15, most=True, unit=" ms"))

    http = figures.get("http", {})
    for key, name in (
        ("work", "guest work page"),
        ("landing", "guest landing page"),
        ("home", "guest home page"),
    ):
        entry = http.get("pages", {}).get(key)
        ratio = entry["cache"] / entry["static"] if entry and entry["static"] else None
        rows.append(
            _check(
                f"{name} through the cache ÷ nginx static",
                ratio,
                1 / 3,
                most=False,
                unit="",
                digits=2,
            )
        )
        rows[-1].target = "≥ 0.33"
    in_process = figures.get("pages", {}).get("work, reader", {}).get("per_core")
    rows.append(
        _check(
            "reader's work page, uncached, in process (pages/s/core)",
            in_process,
            300,
            most=False,
            unit="",
            digits=0,
        )
    )
    reader = http.get("reader") or {}
    rows.append(
        _check(
            "reader's work page, uncached, over HTTP (pages/s/core)",
            reader.get("per_core"),
            300,
            most=False,
            unit="",
            digits=0,
        )
    )

    memory = figures.get("memory") or {}
    workers = memory.get("workers")
    label = f"{workers} workers + indexer" if workers else "workers + indexer"
    total = memory["total_pss"] / MIB if memory else None
    private = memory["worker_private_max"] / MIB if memory else None
    rows.append(
        _check(f"node memory, sum of PSS ({label})", total, 2048, most=True, unit=" MiB", digits=0)
    )
    if workers and workers != 4:
        rows[-1].what += " [target is for 4]"
    rows.append(
        _check(
            "private memory per web worker, the largest",
            private,
            150,
            most=True,
            unit=" MiB",
            digits=0,
        )
    )

    gc_figures = figures.get("gc") or {}
    rows.append(
        _check(
            "full (gen 2) collections during the timings, freeze on",
            gc_figures.get("full_collections"),
            0,
            most=True,
            unit="",
            digits=0,
        )
    )
    rows[-1].target = "0"

    posting = figures.get("posting") or {}
    rows.append(
        _check(
            f"posting from {figures.get('posters', 2)} processes (works/s)",
            posting.get("rate"),
            50,
            most=False,
            unit="",
            digits=1,
        )
    )
    latency = posting.get("latency_max")
    if posting and posting.get("missing"):
        latency = float("inf")  # a work that never showed up
    rows.append(
        _check(
            "posted work in the filtered listing, the slowest",
            None if latency is None else latency / 1000,
            2,
            most=True,
            unit=" s",
            digits=2,
        )
    )
    return rows


def print_acceptance(rows: list[Row]) -> None:
    width = max(len(row.what) for row in rows)
    print(f"{'figure':<{width}}  {'measured':>12}  {'target':>10}  result")
    print("-" * (width + 36))
    for row in rows:
        result = {True: "met", False: "NOT MET", None: "not measured"}[row.met]
        print(f"{row.what:<{width}}  {row.value:>12}  {row.target:>10}  {result}")
    met = sum(1 for row in rows if row.met)
    measured = sum(1 for row in rows if row.met is not None)
    print(f"{met} of {measured} measured figures met.")


# Full collections -----------------------------------------------------------------------------


class FullCollections:
    """Counts generation-2 collections (and their time) while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if not self.on or info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


# CPU of the gunicorn workers ------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (``/proc/PID/stat``), 0 when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def node_processes(top: int) -> tuple[list[int], list[int], list[int]]:
    """Under ``top`` (``chapterhouse serve``): the gunicorn workers, the
    node's background worker (the indexer) and the processes in between
    (the gunicorn master; ``serve`` runs it and the worker as its children
    and restarts them when they die)."""
    web, background, between = [], [], []

    def walk(pid: int) -> None:
        for child in index_memory._children(pid):
            command = _cmdline(child)
            if "chapterhouse.cli" in command:
                background.append(child)
            elif index_memory._children(child):
                between.append(child)
                walk(child)
            else:
                web.append(child)

    walk(top)
    return web, background, between


def reader_cookies(work_id: int, count: int) -> list[str]:
    """Session cookies of ``count`` signed-in readers who did not write the work."""
    from django.conf import settings

    from chapterhouse.accounts.models import User
    from chapterhouse.works.models import Creatorship

    creators = Creatorship.objects.filter(work_id=work_id).values("pseud__user_id")
    readers = (
        User.objects.filter(is_active=True, is_staff=False)
        .exclude(pk__in=creators)
        .order_by("pk")[:count]
    )
    name = settings.SESSION_COOKIE_NAME
    return [f"{name}={discovery.WsgiClient.signed_in(reader).cookies[name]}"
            for reader in readers]


def rotation_script(cookies: list[str]) -> str:
    """A wrk script sending each request with the next of ``cookies``."""
    quoted = ", ".join(f'"{cookie}"' for cookie in cookies)
    return (
        f"local cookies = {{{quoted}}}\n"
        "local turn = 0\n"
        "request = function()\n"
        "  turn = turn % #cookies + 1\n"
        '  return wrk.format(nil, nil, {["Cookie"] = cookies[turn]})\n'
        "end\n"
    )


def wrk_with_cpu(url: str, pids: list[int], **options) -> dict:
    """A wrk run against the app, with the CPU time ``pids`` used meanwhile."""
    before = {pid: cpu_seconds(pid) for pid in pids}
    result = http_cache.wrk_run(url, **options)
    used = sum(max(0.0, cpu_seconds(pid) - before[pid]) for pid in pids)
    per_request = used / result.requests if result.requests else None
    return {
        **asdict(result),
        "cpu_seconds": used,
        "cpu_ms": per_request * 1000 if per_request else None,
        "per_core": 1 / per_request if per_request else None,
    }


# Measuring ------------------------------------------------------------------------------------


def in_process(args, scratch, figures: dict) -> tuple[dict, object]:
    """Queries 1-5, the pages in this process and posting; returns the
    subjects and the page set (its work, landing page and reader)."""
    from django.conf import settings

    from chapterhouse.discovery.engine.index import get_index

    subjects = discovery.ensure_archive(
        scratch, args.works, reindex=args.reindex, output=figures.setdefault("archive", {})
    )
    settings.ALLOWED_HOSTS = ["*"]
    # Loading the index moves what the process holds out of the collector's way
    # (gc.freeze, docs/search-index.md), as in a web worker.
    get_index().sync(force=True)
    figures["gc"] = {"frozen": gc.get_freeze_count()}
    chosen = page_speed.page_set(subjects, work_bytes=args.work_bytes)
    with FullCollections() as collections:
        if "queries" not in args.skip:
            results = []
            baseline = scratch.vendor == "postgres" and not args.no_baseline
            for case in discovery.cases(subjects):
                print(f"Timing query {case.key} {case.label} …", flush=True)
                collections.on = True
                results.append(discovery.run_case(case, runs=args.runs, baseline=baseline))
                collections.on = False
            print()
            discovery.print_results(results, baseline)
            figures["cases"] = [asdict(result) for result in results]
        during_queries = collections.count
        if "pages" not in args.skip:
            print(
                f"\nPages in this process: one-shot work {chosen.work_id} ({chosen.size:,} "
                f"characters of text), landing {chosen.landing}; {args.page_runs} runs each"
            )
            print(
                f"{'page':<18}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms':>9}{'pages/s/core':>14}"
                f"{'bytes':>9}{'queries':>9}"
            )
            figures["pages"] = {}
            for name, client, url in chosen.pages:
                collections.on = True
                row = page_speed.measure(client, url, runs=args.page_runs, warm=args.page_warm)
                collections.on = False
                figures["pages"][name] = row
                print(
                    f"{name:<18}{row['p50']:>9.2f}{row['p99']:>9.2f}{row['cpu_ms']:>9.2f}"
                    f"{row['per_core']:>14.0f}{row['bytes']:>9,}{row['queries']:>9}",
                    flush=True,
                )
    timed = not {"queries", "pages"} <= args.skip
    figures["gc"].update(
        full_collections=collections.count if timed else None,
        full_collections_queries=during_queries,
        full_collections_pages=collections.count - during_queries,
        full_collection_ms=collections.seconds * 1000,
    )
    figures["gc"].update(index_memory.gc_figures())
    gcs = figures["gc"]
    during = (
        f"{collections.count} full (gen 2) collections during the timings "
        f"({during_queries} during the queries', {collections.count - during_queries} during "
        f"the pages'; {collections.seconds * 1000:.1f} ms in all)"
        if timed
        else "nothing timed"
    )
    print(
        f"\nGC: {gcs['frozen']:,} objects frozen after the index loaded; {during}; "
        f"a full collection now takes {gcs['gc_ms']:.1f} ms and walks {gcs['walked']:,} objects"
    )
    if "posting" not in args.skip:
        print(
            f"\nPosting from {args.posters} processes, {args.posting_rate:g} works a second "
            f"asked, for {args.posting_seconds:g} s …",
            flush=True,
        )
        posting = discovery.posting_freshness(
            subjects, rate=args.posting_rate, seconds=args.posting_seconds, posters=args.posters
        )
        discovery.print_posting(posting)
        figures["posting"] = asdict(posting)
    return subjects, chosen


def over_http(args, scratch, chosen, figures: dict) -> None:
    """``chapterhouse serve`` on a copy of the var directory, Varnish in front,
    nginx beside: wrk three ways per guest page, the reader over HTTP with its
    CPU time, and the node's memory afterwards."""
    from django.conf import settings

    for tool in (http_cache.WRK, http_cache.NGINX):
        if not Path(tool).exists():
            raise SystemExit(f"{tool} is missing (apt-get install wrk nginx-light)")
    work = Path(tempfile.mkdtemp(prefix="chbench-serving-"))
    work.chmod(0o755)  # nginx's workers read the saved pages as another user
    var = work / "var"
    print(f"\nCopying {scratch.var_dir} for the server …", flush=True)
    shutil.copytree(scratch.var_dir, var, ignore=shutil.ignore_patterns("rebuild.lock"))
    env = {
        **os.environ,
        "DATABASE_URL": scratch.database_url,
        "CHAPTERHOUSE_VAR_DIR": str(var),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("CHAPTERHOUSE_SEARCH_DIR", None)
    app_port = http_cache.free_port()
    app = f"http://127.0.0.1:{app_port}"
    session = chosen.signed_in.cookies[settings.SESSION_COOKIE_NAME]
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}"
    # One reader per connection, so that the readers' visits do not all wait on
    # one reading-history row.
    rotate = work / "readers.lua"
    rotate.write_text(rotation_script(reader_cookies(chosen.work_id, args.connections)))
    pages = {"work": f"/works/{chosen.work_id}", "landing": chosen.landing, "home": "/"}
    options = {"duration": args.duration, "connections": args.connections}
    result: dict = {"workers": args.workers, "pages": {}}
    figures["http"] = result
    nginx = None
    with http_cache.Varnish(work / "varnish", backend_port=app_port, memory="256m") as cache:
        env["HTTP_CACHE_URLS"] = cache.url
        log = (work / "serve.log").open("w")
        server = subprocess.Popen(  # noqa: S603 - our own command
            [
                sys.executable,
                "-m",
                "chapterhouse.cli",
                "serve",
                "--port",
                str(app_port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            started = time.monotonic()
            http_cache.wait_for(app + "/health", server)
            print(
                f"Server up in {time.monotonic() - started:.1f} s ({args.workers} workers).",
                flush=True,
            )
            signed_in = requests.get(app + pages["work"], headers={"Cookie": cookie}, timeout=60)
            if signed_in.status_code != 200 or "Log Out" not in signed_in.text:
                raise SystemExit("the reader's session cookie does not sign in on the server")
            (work / "nginx" / "pages").mkdir(parents=True)
            for key, path in pages.items():
                answer = requests.get(app + path, timeout=60)
                if "public" not in answer.headers.get("Cache-Control", ""):
                    print(f"  note: {path} is not public ({answer.headers.get('Cache-Control')})")
                (work / "nginx" / "pages" / f"{key}.html").write_bytes(answer.content)
            nginx, static = http_cache.start_nginx(
                work / "nginx", workers=min(args.workers, os.cpu_count() or 1)
            )
            done, failed = index_memory._warm(
                app_port, chosen.landing, args.workers, args.warm_requests
            )
            print(f"Warmed the workers with {done} requests ({failed} failed).", flush=True)
            web, background, between = node_processes(server.pid)
            print(
                f"\nwrk -t1 -c{args.connections} -d{args.duration}s; CPU of the "
                f"{len(web)} gunicorn workers per uncached request"
            )
            print(
                f"{'page':<16}{'bytes':>8}{'cache r/s':>11}{'app r/s':>9}{'nginx r/s':>11}"
                f"{'cache/nginx':>13}{'app/nginx':>11}{'cache/app':>11}{'app CPU ms':>12}"
                f"{'app pages/s/core':>18}",
                flush=True,
            )
            for key, path in pages.items():
                size = (work / "nginx" / "pages" / f"{key}.html").stat().st_size
                requests.get(cache.url + path, timeout=60)  # stored once
                hit = requests.get(cache.url + path, timeout=60).headers.get("X-Cache")
                if hit != "HIT":
                    print(f"  note: {path} is not answered from the cache ({hit})")
                cached = http_cache.wrk_run(cache.url + path, **options)
                direct = wrk_with_cpu(app + path, web, **options)
                served = http_cache.wrk_run(f"{static}/{key}.html", **options)
                entry = {
                    "path": path,
                    "bytes": size,
                    "cache": cached.rate,
                    "app": direct["rate"],
                    "static": served.rate,
                    "app_detail": direct,
                    "errors": cached.errors + direct["errors"] + served.errors,
                }
                result["pages"][key] = entry
                _print_http_row(f"{key}, guest", entry)
            reader = wrk_with_cpu(app + pages["work"], web, script=rotate, **options)
            result["reader"] = reader
            _print_http_row(
                "work, reader",
                {
                    "bytes": len(signed_in.content),
                    "cache": None,
                    "app": reader["rate"],
                    "static": None,
                    "app_detail": reader,
                    "errors": reader["errors"],
                },
            )
            print("(the database server's CPU time is not in the workers' figure)")
            for key, entry in result["pages"].items():
                if entry["errors"]:
                    print(f"  note: {entry['errors']} non-2xx answers for the {key} page")
            if reader["errors"]:
                print(f"  note: {reader['errors']} non-2xx answers for the reader's page")
            rows = [("indexer (worker)", pid) for pid in background]
            rows += [("serve", server.pid)]
            rows += [("gunicorn master", pid) for pid in between]
            rows += [(f"web worker {i + 1}", pid) for i, pid in enumerate(web)]
            memory_rows = index_memory.process_figures(rows, str((var / "search").resolve()))
            print(f"\nMemory of the node after the runs ({args.workers} workers):", end="")
            figures["memory"] = {
                **index_memory.print_figures(memory_rows),
                "processes": memory_rows,
            }
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
    shutil.rmtree(work, ignore_errors=True)


def _print_http_row(label: str, entry: dict) -> None:
    def rate(value):
        return "-" if value is None else f"{value:,.0f}"

    def ratio(a, b, digits=2):
        return "-" if not a or not b else f"{a / b:.{digits}f}"

    detail = entry["app_detail"]
    cpu = "-" if detail["cpu_ms"] is None else f"{detail['cpu_ms']:.2f}"
    per_core = "-" if detail["per_core"] is None else f"{detail['per_core']:,.0f}"
    print(
        f"{label:<16}{entry['bytes']:>8,}{rate(entry['cache']):>11}{rate(entry['app']):>9}"
        f"{rate(entry['static']):>11}{ratio(entry['cache'], entry['static']):>13}"
        f"{ratio(entry['app'], entry['static'], 4):>11}"
        f"{ratio(entry['cache'], entry['app'], 0):>11}{cpu:>12}{per_core:>18}",
        flush=True,
    )


# The command ----------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse(argv)
    scratch = discovery.scratch_for(args.db, args.works, keep=True)
    discovery.configure_django(scratch)
    discovery.prepare(scratch, args.works)
    from django.db import connection

    figures: dict = {
        "works": args.works,
        "database": connection.vendor,
        "quick": args.quick,
        "posters": args.posters,
    }
    print(
        f"{args.works:,} works on {connection.vendor} ({scratch.database_url})"
        f"{'; quick' if args.quick else ''}",
        flush=True,
    )
    _, chosen = in_process(args, scratch, figures)
    if "http" not in args.skip:
        from django.db import connections

        connections.close_all()
        over_http(args, scratch, chosen, figures)
    print(
        f"\nAcceptance at {args.works:,} works on {connection.vendor}"
        f"{' (quick)' if args.quick else ''}:"
    )
    rows = acceptance(figures)
    print_acceptance(rows)
    figures["acceptance"] = [asdict(row) for row in rows]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
