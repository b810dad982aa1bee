"""The node's search indexer killed with SIGKILL while readers post works,
and started again by ``serve``: it must catch up from the outbox with no
change missed. Each posted work's title is a unique word; after the load,
every committed one must be found by a full-text search (which reads the
Tantivy index only the indexer writes), and none twice.

    .venv/bin/python bench/faults/indexer_restart.py          # 30 s of load
    .venv/bin/python bench/faults/indexer_restart.py --quick --db sqlite

Prints the figures of bench/faults/common.py's report, plus the index
changes: works posted (committed), found by search, missed (must be 0), and
how soon after the restart the last of them was found.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import requests  # noqa: E402

from bench.faults import common  # noqa: E402
from chapterhouse.web.realservers import alive, worker_pid  # noqa: E402


def found_by_search(base: str, marker: str) -> int:
    """How many results a full-text search for ``marker`` lists with it as title."""
    page = requests.get(f"{base}/works/search", params={
        "work_search[query]": marker, "commit": "Search"}, timeout=60)
    return page.text.count(f">{marker}</a>") if page.status_code == 200 else 0


def main(argv=None) -> int:
    args = common.parse(__doc__.split("\n\n")[0], outage=0, seconds=30, argv=argv)
    site = common.Site("indexer", db=args.db, workers=args.workers)
    try:
        site.prepare()
        # The indexer alone (no mail or other tasks), as on a node of several.
        site.start("--no-worker")
        first = worker_pid(site.process)
        with common.Load(site, threads=args.threads, write=common.work_post_write) as load:
            time.sleep(args.seconds / 2)
            os.kill(first, signal.SIGKILL)
            killed = time.monotonic()
            while alive(first):
                time.sleep(0.05)
            second = worker_pid(site.process)
            restarted = time.monotonic()
            time.sleep(args.seconds / 2)
        ended = time.monotonic()
        committed = common.committed_works(load.run)
        missing = set(committed)
        deadline = time.monotonic() + 60
        while missing and time.monotonic() < deadline:
            missing = {m for m in missing if found_by_search(site.base, m) == 0}
            if missing:
                time.sleep(1)
        caught_up = time.monotonic() - ended
        twice = sorted(m for m in committed if m not in missing
                       and found_by_search(site.base, m) > 1)
        failures = []
        if second == first:
            failures.append("serve did not start the indexer again")
        if missing:
            failures.append(f"{len(missing)} posted work(s) never in the index: "
                            + ", ".join(sorted(missing)[:5]))
        if twice:
            failures.append(f"{len(twice)} work(s) listed twice: {', '.join(twice[:5])}")
        return common.report(
            f"Indexer killed (SIGKILL) mid-load in {args.seconds:g} s of load, writes are "
            f"posted works ({args.threads} threads, serve --no-worker --workers {args.workers}, "
            f"{args.db})",
            load, committed,
            recovery=common.recovered_after(load.tally.events, killed),
            extra={
                "indexer started again by serve after": f"{restarted - killed:.2f} s",
                "index changes (works posted)": f"{len(committed)}",
                "found by full-text search": f"{len(committed) - len(missing)}",
                "index changes missed": f"{len(missing)}",
                "listed twice": f"{len(twice)}",
                "all found within": f"{caught_up:.2f} s of the load's end",
            },
            failures=failures,
        )
    finally:
        site.stop()
        site.drop()


if __name__ == "__main__":
    raise SystemExit(main())
