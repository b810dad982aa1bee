"""What the request-metrics middleware costs per request, in CPU time.

    .venv/bin/python bench/metrics_overhead.py [--calls 10000]

Runs ``RequestMetricsMiddleware`` around a view that does nothing, ``--calls``
times, and the same loop through a middleware that only passes the request
on; the difference per call is the middleware's cost. Measured with
``time.process_time`` (CPU time of this process, so other work on the machine
does not count), best of five rounds, in three set-ups: metrics in this
process's memory (tests, runserver), in multiprocess mode (files, as under
``chapterhouse serve``), and multiprocess with JSON request log lines (written
to /dev/null). Each set-up runs in a fresh process, because prometheus_client
chooses memory or files when it is first imported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def measure(calls: int, log_requests: bool) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    import django

    django.setup()
    import logging

    from django.http import HttpResponse
    from django.test import RequestFactory, override_settings
    from django.urls import resolve

    from chapterhouse.web.metrics import RequestMetricsMiddleware

    if log_requests:
        handler = logging.getLogger().handlers[0]
        handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 - for the whole run

    answer = HttpResponse("ok")
    request = RequestFactory().get("/works/12")
    request.resolver_match = resolve("/works/12")

    def view(_request):
        return answer

    class PassOn:
        def __init__(self, get_response):
            self.get_response = get_response

        def __call__(self, request):
            return self.get_response(request)

    with override_settings(LOG_REQUESTS=log_requests):
        measured = RequestMetricsMiddleware(view)
    bare = PassOn(view)

    def best(middleware) -> float:
        rounds = []
        for _ in range(5):
            started = time.process_time()
            for _ in range(calls):
                middleware(request)
            rounds.append(time.process_time() - started)
        return min(rounds)

    best(measured)  # warm up: the label set's first use
    plain, timed = best(bare), best(measured)
    return {"calls": calls, "bare_s": plain, "with_metrics_s": timed,
            "per_call_us": (timed - plain) / calls * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--child", choices=["memory", "files", "files+json"])
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.calls, log_requests=args.child == "files+json")))
        return
    with tempfile.TemporaryDirectory() as var:
        for setup in ("memory", "files", "files+json"):
            env = {**os.environ, "CHAPTERHOUSE_VAR_DIR": var,
                   "DATABASE_URL": f"sqlite:///{var}/bench.sqlite3",
                   "PYTHONPATH": str(REPO)}
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            if setup != "memory":
                files = Path(var) / f"metrics-{setup}"
                files.mkdir()
                env["PROMETHEUS_MULTIPROC_DIR"] = str(files)
            if setup == "files+json":
                env["LOG_FORMAT"] = "json"
            out = subprocess.run(
                [sys.executable, __file__, "--calls", str(args.calls), "--child", setup],
                env=env, capture_output=True, text=True, check=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{setup:>11}: {got['calls']:,} calls, CPU {got['with_metrics_s']:.3f} s with "
                  f"the middleware, {got['bare_s']:.3f} s without: "
                  f"{got['per_call_us']:.1f} µs per request")


if __name__ == "__main__":
    main()
