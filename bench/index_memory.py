"""Memory of a node serving the search index: N gunicorn workers and the indexer.

    .venv/bin/python bench/index_memory.py --var-dir /tmp/chbench-discovery-postgres-100000 \
        --database-url postgres://postgres@127.0.0.1:5432/chbench_discovery_100000 --workers 4

``--var-dir`` is a var directory with a built search index and collected
static files, such as the one ``discovery_bench.py --keep`` leaves. The script
copies it (the indexer writes a snapshot into its copy), starts the node's
indexer (loads the index, writes a column snapshot, then follows the outbox;
it is started twice, the second time as after a restart)
and ``--workers`` gunicorn workers, warms every worker with listing pages of
the largest fandom (sorted by date, title, creator and kudos) and a text
search, then reads ``/proc/PID/smaps_rollup`` of each process and prints:

- RSS: resident memory, shared pages included;
- private (USS): Private_Clean + Private_Dirty, what the process alone holds;
- shared: Shared_Clean + Shared_Dirty, pages also mapped by another process;
- PSS: each shared page divided among the processes mapping it;
- index files: resident pages of the process's mappings under the search
  directory (the mapped column snapshot and Tantivy's segments).

The node's total is the sum of PSS over the workers, gunicorn's master and
the indexer: what the node really uses, each shared page counted once.

Then it times ``--timed`` requests of each warm-up page, one at a time, and
prints p50 / p99 per page, and the indexer reports how long a full garbage
collection takes in a process holding the loaded index, and how many objects
it walks (``gc.freeze`` leaves the long-lived ones out).
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
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def _rollup(pid: int) -> dict[str, int]:
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as source:
        for line in source:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1]) * 1024
    return fields


def _mapped_under(pid: int, directory: str) -> int:
    """Resident bytes of the process's mappings of files under ``directory``."""
    total = 0
    inside = False
    with open(f"/proc/{pid}/smaps") as source:
        for line in source:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5 and ":" not in head[0]:
                inside = len(head) >= 6 and head[5].startswith(directory)
            elif inside and head and head[0] == "Rss:":
                total += int(head[1]) * 1024
    return total


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def gc_figures() -> dict:
    """What a full collection costs in this process now (the pause a request
    may meet): the median of five ``gc.collect()`` in ms, the objects the
    collector walks, and how many ``gc.freeze`` has set aside."""
    walked = len(gc.get_objects())
    pauses = []
    for _ in range(5):
        started = time.perf_counter()
        gc.collect()
        pauses.append(time.perf_counter() - started)
    return {"gc_ms": 1000 * sorted(pauses)[2], "walked": walked, "frozen": gc.get_freeze_count()}


def _indexer() -> int:
    """The node's indexer: load the index (holding the text writer), write a
    column snapshot, then follow the outbox as ``chapterhouse serve``'s worker does."""
    import django

    django.setup()
    from chapterhouse.discovery.engine.index import get_index

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    index = get_index()
    index.sync(force=True)
    index.save_snapshot()
    print(json.dumps(gc_figures()), flush=True)
    print("ready", flush=True)
    while not stopping:
        index.sync()
        time.sleep(0.5)
    return 0


def _largest_fandom(env: dict) -> str:
    code = (
        "import django; django.setup()\n"
        "from django.db.models import Count\n"
        "from chapterhouse.tags.models import Tag, TagType, WorkFilterTag\n"
        "from chapterhouse.tags.page_selectors import tag_path\n"
        "top = (WorkFilterTag.objects.filter(tag__type=TagType.FANDOM).values('tag')"
        ".annotate(n=Count('work')).order_by('-n').first())\n"
        "print(tag_path(Tag.objects.get(pk=top['tag']).name, '/works'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def _paths(listing: str) -> list[str]:
    return (
        [listing]
        + [
            f"{listing}?work_search%5Bsort_column%5D={column}"
            for column in ("title_to_sort_on", "authors_to_sort_on", "kudos_count")
        ]
        + ["/works/search?work_search%5Bquery%5D=enemies+to+lovers"]
    )


def _timed(port: int, listing: str, runs: int) -> dict[str, tuple[float, float]]:
    session = requests.Session()
    result = {}
    for path in _paths(listing):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            session.get(f"http://127.0.0.1:{port}{path}", timeout=60).raise_for_status()
            times.append(1000 * (time.perf_counter() - started))
        times.sort()
        result[path] = (times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))])
    return result


def _warm(port: int, listing: str, workers: int, per_thread: int) -> tuple[int, int]:
    base = f"http://127.0.0.1:{port}"
    paths = _paths(listing)
    done, failed = [0], [0]

    def run() -> None:
        for i in range(per_thread):
            try:
                requests.get(base + paths[i % len(paths)], timeout=60).raise_for_status()
                done[0] += 1
            except Exception:  # counted, not fatal: the figures are about memory
                failed[0] += 1

    threads = [threading.Thread(target=run) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0], failed[0]


def _wait_for(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            return
        except Exception:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def process_figures(rows: list[tuple[str, int]], search: str) -> list[dict]:
    """Memory of each (role, pid) in ``rows`` from ``/proc/PID/smaps_rollup``, in
    bytes; ``index_files`` is what is resident of the mappings under ``search``."""
    figures = []
    for role, pid in rows:
        rollup = _rollup(pid)
        figures.append(
            {
                "role": role,
                "pid": pid,
                "rss": rollup["Rss"],
                "pss": rollup["Pss"],
                "private": rollup["Private_Clean"] + rollup["Private_Dirty"],
                "shared": rollup["Shared_Clean"] + rollup["Shared_Dirty"],
                "index_files": _mapped_under(pid, search),
            }
        )
    return figures


def summary(figures: list[dict]) -> dict:
    """The node's totals (bytes): the sum of PSS and of RSS over every process,
    and the web workers' private memory (max, mean) and mean RSS."""
    workers = [f for f in figures if f["role"].startswith("web worker")]
    count = max(1, len(workers))
    return {
        "total_pss": sum(f["pss"] for f in figures),
        "total_rss": sum(f["rss"] for f in figures),
        "worker_private_max": max((f["private"] for f in workers), default=0),
        "worker_private_mean": sum(f["private"] for f in workers) / count,
        "worker_rss_mean": sum(f["rss"] for f in workers) / count,
        "workers": len(workers),
    }


def print_figures(figures: list[dict]) -> dict:
    """Print the table per process and the node's totals; returns ``summary``."""
    print(
        f"\n{'process':<16} {'pid':>7} {'RSS':>9} {'private':>9} {'shared':>9} "
        f"{'PSS':>9} {'index files':>12}   (MiB)"
    )
    for f in figures:
        mib = {key: f[key] / MIB for key in ("rss", "private", "shared", "pss", "index_files")}
        print(
            f"{f['role']:<16} {f['pid']:>7} {mib['rss']:>9.1f} {mib['private']:>9.1f} "
            f"{mib['shared']:>9.1f} {mib['pss']:>9.1f} {mib['index_files']:>12.1f}"
        )
    totals = summary(figures)
    print(
        f"\nnode total (sum of PSS, shared pages once): {totals['total_pss'] / MIB:.1f} MiB"
        f"   (sum of RSS, shared pages counted per process: {totals['total_rss'] / MIB:.1f}"
        " MiB)"
    )
    if totals["workers"]:
        print(
            f"per web worker: private max {totals['worker_private_max'] / MIB:.1f} MiB,"
            f" mean {totals['worker_private_mean'] / MIB:.1f} MiB;"
            f" RSS mean {totals['worker_rss_mean'] / MIB:.1f} MiB"
        )
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--var-dir", help="a var directory with search/ and static/ (discovery_bench --keep)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument("--requests", type=int, default=15, help="warm-up requests per thread")
    parser.add_argument(
        "--timed",
        type=int,
        default=200,
        help="timed requests per page after the memory figures (0: none)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--role", choices=["indexer"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "indexer":
        return _indexer()
    if not args.var_dir:
        raise SystemExit("give --var-dir")
    if not args.database_url:
        raise SystemExit("give --database-url (or DATABASE_URL)")

    work = Path(tempfile.mkdtemp(prefix="chbench-index-memory-"))
    var = work / "var"
    print(f"Copying {args.var_dir} to {var}…", flush=True)
    shutil.copytree(args.var_dir, var, ignore=shutil.ignore_patterns("rebuild.lock"))
    env = dict(
        os.environ,
        DATABASE_URL=args.database_url,
        CHAPTERHOUSE_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="chapterhouse.settings",
        SECRET_KEY="index-memory-bench",
        PYTHONPATH=str(ROOT),
    )
    env.pop("CHAPTERHOUSE_SEARCH_DIR", None)
    search = str((var / "search").resolve())
    listing = _largest_fandom(env)
    processes: list[subprocess.Popen] = []
    try:
        # The indexer starts twice: the first run may find a snapshot of the
        # older format and write the mapped one; the second starts as a
        # restarted node does.
        for run in ("first", "second"):
            started = time.monotonic()
            indexer = subprocess.Popen(
                [sys.executable, __file__, "--role", "indexer"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            processes.append(indexer)
            collection = json.loads(indexer.stdout.readline() or "{}")
            if indexer.stdout.readline().strip() != "ready":
                raise SystemExit("the indexer did not start")
            print(
                f"Indexer ready ({run} start: index loaded, snapshot written) in "
                f"{time.monotonic() - started:.1f} s",
                flush=True,
            )
            if run == "first":
                indexer.terminate()
                indexer.wait(timeout=60)
                processes.remove(indexer)
        web_env = dict(env, CHAPTERHOUSE_SEARCH_INDEXER="false")
        master = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "chapterhouse.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
                "--no-control-socket",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            env=web_env,
            cwd=ROOT,
        )
        processes.append(master)
        _wait_for(args.port, 120)
        started = time.monotonic()
        done, failed = _warm(args.port, listing, args.workers, args.requests)
        print(
            f"Warmed with {done} requests ({failed} failed) on {listing!r} in "
            f"{time.monotonic() - started:.1f} s",
            flush=True,
        )
        time.sleep(1.0)
        rows = [("indexer", indexer.pid), ("gunicorn master", master.pid)]
        rows += [(f"web worker {i + 1}", pid) for i, pid in enumerate(_children(master.pid))]
        figures = process_figures(rows, search)
        print_figures(figures)
        print(
            f"\nA full garbage collection with the index loaded: {collection['gc_ms']:.1f} ms,"
            f" {collection['walked']:,} objects walked, {collection['frozen']:,} frozen"
        )
        timings = _timed(args.port, listing, args.timed) if args.timed else {}
        if timings:
            print(f"\n{args.timed} requests each, one at a time (ms):")
            for path, (p50, p99) in timings.items():
                print(f"  p50 {p50:7.1f}  p99 {p99:7.1f}  {path}")
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {
                        "workers": args.workers,
                        "processes": figures,
                        "total_pss": summary(figures)["total_pss"],
                        "gc": collection,
                        "timings": timings,
                    },
                    indent=1,
                )
            )
        return 0
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
