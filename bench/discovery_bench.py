"""Benchmark discovery: generate an AO3-shaped archive, load it, and time
BENCH.md's queries 1-5 and 8 against a PostgreSQL-only baseline.

    .venv/bin/python bench/discovery_bench.py                       # 100,000 works, SQLite
    .venv/bin/python bench/discovery_bench.py --works 10000 --db postgres
    .venv/bin/python bench/discovery_bench.py --works 100000 --db postgres --queries 1,3 --runs 50
    .venv/bin/python bench/discovery_bench.py --works 1000000 --db postgres --growth

SQLite runs in a scratch directory. PostgreSQL runs in a scratch database
created on the server named by DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end. With
``--keep`` both are kept under the temp directory and the next run of the same
size reuses them. Prints the load time, the index build time, p50/p99 (ms)
per query, the ratios, and the posting freshness; see bench/README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.discovery.run import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
