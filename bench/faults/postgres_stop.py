"""PostgreSQL stopped mid-load: every connection of the site cut and no new
one accepted for ``--outage`` seconds (a TCP proxy between ``serve`` and
PostgreSQL), then restored with no restart of the site.

    .venv/bin/python bench/faults/postgres_stop.py            # 30 s of load, 10 s outage
    .venv/bin/python bench/faults/postgres_stop.py --quick

Prints the figures of bench/faults/common.py's report, plus the answers seen
during the outage (503 with Retry-After expected, no 500) and /health's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import requests  # noqa: E402

from bench.faults import common  # noqa: E402
from chapterhouse.web.realservers import CuttableProxy  # noqa: E402


def main(argv=None) -> int:
    args = common.parse(__doc__.split("\n\n")[0], outage=10, seconds=30, argv=argv)
    if args.db != "postgres":
        raise SystemExit("this scenario stops PostgreSQL: --db postgres")
    site = common.Site("pgstop", db="postgres", workers=args.workers)
    proxy = None
    try:
        site.prepare()
        parts = urlsplit(site.database_url)
        proxy = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
        proxy.restore()
        site.serve_database_url = urlunsplit(
            parts._replace(netloc=f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"))
        site.start()
        before = (args.seconds - args.outage) / 2
        with common.Load(site, threads=args.threads) as load:
            time.sleep(before)
            proxy.cut()
            cut_at = time.monotonic()
            time.sleep(min(1.0, args.outage / 2))
            down = requests.get(site.base + "/works", timeout=30)
            health = requests.get(site.base + "/health", timeout=30)
            time.sleep(max(0.0, args.outage - (time.monotonic() - cut_at)))
            proxy.restore()
            restored = time.monotonic()
            time.sleep(before)
        committed = common.committed_comments(load.run)
        failures = []
        if down.status_code != 503 or "Retry-After" not in down.headers:
            failures.append(f"a page during the outage answered {down.status_code} "
                            f"(Retry-After: {down.headers.get('Retry-After')})")
        if health.status_code != 503:
            failures.append(f"/health answered {health.status_code} during the outage")
        served_500 = sum(n for kind, n in load.tally.errors.items() if "HTTP 500" in kind)
        if served_500:
            failures.append(f"{served_500} answers were 500")
        return common.report(
            f"PostgreSQL stopped for {args.outage:g} s in {args.seconds:g} s of load "
            f"({args.threads} threads, serve --workers {args.workers})",
            load, committed,
            recovery=common.recovered_after(load.tally.events, restored),
            extra={"a page during the outage": f"{down.status_code}, Retry-After "
                                               f"{down.headers.get('Retry-After')}",
                   "/health during the outage": f"{health.status_code}"},
            failures=failures,
        )
    finally:
        site.stop()
        if proxy is not None:
            proxy.cut()
        site.drop()


if __name__ == "__main__":
    raise SystemExit(main())
