"""The work page with one change of the serving path switched off and on, in
alternating blocks in one process, on an archive kept by
``discovery_bench.py --keep`` (as ``page_speed.py`` opens it):

    .venv/bin/python bench/work_page_ab.py --works 10000 --db postgres
    .venv/bin/python bench/work_page_ab.py --switch routes --blocks 16 --block 40

``--switch routes``: the work and chapter routes tried first
(``chapterhouse.urls.EARLY_ROUTES``) or behind the others, as before.
``--switch health``: the PostgreSQL connection's health check by polling its
socket (``web/dbpostgresql``) or Django's ``SELECT 1`` at each request.
Both ways run the same page; the blocks alternate so that the machine's load
falls on both alike. It prints the median over the blocks of the CPU time per
page (``time.process_time``, this process only), off → on, for the one-shot
work page as a guest and as a signed-in reader. See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.discovery.run import configure_django, scratch_for  # noqa: E402
from bench.page_speed import _subjects, page_set  # noqa: E402


def _routes(on: bool) -> None:
    from django.urls import clear_url_caches

    from chapterhouse import urls

    rest = [p for p in urls.urlpatterns if p not in urls.EARLY_ROUTES]
    urls.urlpatterns[:] = [*urls.EARLY_ROUTES, *rest] if on else rest
    clear_url_caches()


def _health(on: bool) -> None:
    from django.db import connections
    from django.db.backends.postgresql.base import DatabaseWrapper

    connection = connections["default"]
    if on:
        connection.__dict__.pop("close_if_health_check_failed", None)
    else:
        connection.close_if_health_check_failed = types.MethodType(
            DatabaseWrapper.close_if_health_check_failed, connection)


SWITCHES = {"routes": _routes, "health": _health}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--works", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--switch", choices=sorted(SWITCHES), action="append")
    parser.add_argument("--blocks", type=int, default=12, help="blocks each way")
    parser.add_argument("--block", type=int, default=30, help="pages per block")
    args = parser.parse_args(argv)
    configure_django(scratch_for(args.db, args.works, keep=True))
    from django.conf import settings

    from chapterhouse.discovery.engine.index import get_index

    settings.ALLOWED_HOSTS = ["*"]
    get_index().sync(force=True)
    chosen = page_set(_subjects())
    pages = [p for p in chosen.pages if p[0].startswith("work")]
    for name in args.switch or sorted(SWITCHES):
        switch = SWITCHES[name]
        for page, client, url in pages:
            cpu = {False: [], True: []}
            for block in range(2 * args.blocks):
                on = bool(block % 2)
                switch(on)
                for _ in range(5):  # warm after the switch
                    status = client.get(url).status_code
                    assert status == 200, (name, on, status)
                started = time.process_time()
                for _ in range(args.block):
                    client.get(url)
                cpu[on].append((time.process_time() - started) / args.block * 1000)
            switch(True)
            off, on = statistics.median(cpu[False]), statistics.median(cpu[True])
            print(f"{name:7} {page:13} CPU ms per page, median of {args.blocks} blocks of "
                  f"{args.block}: off {off:.2f} → on {on:.2f} ({off - on:+.2f} saved)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
