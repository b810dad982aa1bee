"""Redis stopped mid-load and started again (empty, as after a crash without
persistence), with ``REDIS_URL`` set: the site must keep serving and writing
(no 500) and use Redis again by itself.

    .venv/bin/python bench/faults/redis_stop.py               # 30 s of load, 10 s outage
    .venv/bin/python bench/faults/redis_stop.py --quick --db sqlite

Prints the figures of bench/faults/common.py's report, plus /health during
the outage (200 with "redis": "down" expected) and how soon after Redis' return
/health says "up" again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

import requests  # noqa: E402

from bench.faults import common  # noqa: E402
from chapterhouse.web.realservers import RedisServer, redis_server_path  # noqa: E402


def main(argv=None) -> int:
    args = common.parse(__doc__.split("\n\n")[0], outage=10, seconds=30, argv=argv)
    if redis_server_path() is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    site = common.Site("redisstop", db=args.db, workers=args.workers)
    redis = RedisServer()
    try:
        site.prepare()
        redis.start()
        site.env["REDIS_URL"] = redis.url
        site.start()
        before = (args.seconds - args.outage) / 2
        with common.Load(site, threads=args.threads) as load:
            time.sleep(before)
            redis.kill()
            killed = time.monotonic()
            time.sleep(min(1.0, args.outage / 2))
            health = requests.get(site.base + "/health", timeout=30)
            time.sleep(max(0.0, args.outage - (time.monotonic() - killed)))
            redis.start()
            restarted = time.monotonic()
            up_after = None
            while time.monotonic() - restarted < before:
                state = requests.get(site.base + "/health", timeout=30).json().get("redis")
                if state == "up" and up_after is None:
                    up_after = time.monotonic() - restarted
                time.sleep(0.2)
        committed = common.committed_comments(load.run)
        failures = []
        state = health.json() if health.headers.get("Content-Type", "").startswith(
            "application/json") else {}
        if health.status_code != 200 or state.get("redis") != "down":
            failures.append(f"/health during the outage: {health.status_code} {state}")
        if load.tally.errors:
            failures.append("errors during a Redis outage: "
                            + ", ".join(f"{k} × {n}" for k, n in load.tally.errors.items()))
        if up_after is None:
            failures.append("/health never said Redis was up again")
        return common.report(
            f"Redis stopped for {args.outage:g} s in {args.seconds:g} s of load "
            f"({args.threads} threads, serve --workers {args.workers}, {args.db})",
            load, committed,
            recovery=common.recovered_after(load.tally.events, restarted),
            extra={"/health during the outage": f"{health.status_code} {state}",
                   "Redis used again after": "never" if up_after is None
                   else f"{up_after:.2f} s (/health says up)"},
            failures=failures,
        )
    finally:
        site.stop()
        redis.stop()
        site.drop()


if __name__ == "__main__":
    raise SystemExit(main())
