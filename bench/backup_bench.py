"""Time ``chapterhouse backup`` of one database and ``chapterhouse restore`` of
that file into another, step by step (docs/backups.md).

    .venv/bin/python bench/backup_bench.py --source URL --target URL [--keep FILE]

URL is a DATABASE_URL. The target must be an empty database (a SQLite path
that does not exist yet, or a PostgreSQL database just created); it is
overwritten. The source is only read. Prints each step line of both
commands with the seconds since the command started, the archive's size and
each command's wall time (Python start-up and Django set-up included).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENTRY = [sys.executable, "-m", "chapterhouse.cli"]


def timed(argv: list[str], env: dict) -> float:
    started = time.monotonic()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)  # noqa: S603
    for line in process.stdout:
        print(f"  {time.monotonic() - started:7.2f} s  {line.rstrip()}")
    if process.wait() != 0:
        sys.exit(f"{argv[3]} failed with exit code {process.returncode}")
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True, help="DATABASE_URL to back up")
    parser.add_argument("--target", required=True, help="DATABASE_URL of an empty database")
    parser.add_argument("--keep", help="write the archive here and keep it")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chbench-backup-"))
    archive = Path(args.keep) if args.keep else work / "site.tar"
    base = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MEDIA_ROOT")}

    print(f"backup of {args.source}")
    source_env = {**base, "DATABASE_URL": args.source,
                  "CHAPTERHOUSE_VAR_DIR": str(work / "source-var")}
    backup_s = timed([*ENTRY, "backup", "--force", str(archive)], source_env)
    print(f"restore into {args.target}")
    target_env = {**base, "DATABASE_URL": args.target,
                  "CHAPTERHOUSE_VAR_DIR": str(work / "target-var")}
    restore_s = timed([*ENTRY, "restore", str(archive)], target_env)
    print(f"archive {archive.stat().st_size / 1e6:.1f} MB; "
          f"backup {backup_s:.1f} s, restore {restore_s:.1f} s (wall, start-up included)")


if __name__ == "__main__":
    main()
