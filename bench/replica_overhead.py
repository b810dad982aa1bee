"""What routing reads to a replica costs a request (docs/replicas.md).

    .venv/bin/python bench/replica_overhead.py [--rounds 200000]

Times, in CPU time of this process (``time.process_time``), the two things
that run per request or per query once ``DATABASE_REPLICA_URL`` is set:

- ``ReplicaRouter.db_for_read`` inside a request, with the replica's state
  already checked (between two checks, as nearly every query finds it);
- ``ReplicaMiddleware`` around a view that does nothing, with and without
  the ``recent_write`` cookie, and for a POST (which sets the cookie).

No database is asked: the replica's state is marked fresh beforehand, so
what is measured is the router's own work. A check of the replica (two short
queries, at most once a second per process) is not included. Without
``DATABASE_REPLICA_URL`` none of this runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Never connected to: the state is marked fresh below.
os.environ.setdefault("DATABASE_REPLICA_URL", "postgres://postgres@127.0.0.1:1/postgres")


def per_call(fn, rounds: int) -> float:
    """CPU microseconds per call of ``fn``."""
    fn()
    start = time.process_time()
    for _ in range(rounds):
        fn()
    return (time.process_time() - start) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200_000)
    rounds = parser.parse_args().rounds

    import django

    django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory

    from chapterhouse.web import dbrouter
    from chapterhouse.works.models import Work

    state = dbrouter.replica_state
    state._next_check = time.monotonic() + 3600  # fresh: no query while timing
    router = dbrouter.ReplicaRouter()
    token = dbrouter._route.set(dbrouter._Route(pinned=False))
    try:
        assert router.db_for_read(Work) == dbrouter.REPLICA
        read = per_call(lambda: router.db_for_read(Work), rounds)
    finally:
        dbrouter._route.reset(token)

    middleware = dbrouter.ReplicaMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    plain = factory.get("/works/1")
    pinned = factory.get("/works/1")
    pinned.COOKIES[dbrouter.PIN_COOKIE] = f"{time.time():.3f}"
    post = factory.post("/works/1/kudos")
    figures = {
        "router.db_for_read, one read query": read,
        "middleware, GET": per_call(lambda: middleware(plain), rounds // 4),
        "middleware, GET with recent_write": per_call(lambda: middleware(pinned), rounds // 4),
        "middleware, POST (sets the cookie)": per_call(lambda: middleware(post), rounds // 4),
    }
    print(f"CPU time per call (time.process_time, {rounds} rounds):")
    for name, micros in figures.items():
        print(f"  {name:40s} {micros:7.2f} µs")


if __name__ == "__main__":
    main()
