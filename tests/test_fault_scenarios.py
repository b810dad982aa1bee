"""The indexer fault scenario of bench/faults/ in its short form, against a
real ``chapterhouse serve``: readers post works while the node's indexer is
killed with SIGKILL; serve starts it again and it catches up from the outbox,
so every posted work is found by full-text search (none missed, none twice)
and no acknowledged post is lost. (PostgreSQL stopped, Redis stopped and the
worker killed are tested in test_outages.py and test_worker_faults.py.)"""

import subprocess
import sys

from django.conf import settings

from tests.test_cli import ROOT


def test_the_indexer_killed_mid_load_misses_no_posted_work():
    db = "postgres" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults" / "indexer_restart.py"), "--quick",
         "--db", db, "--seconds", "10", "--threads", "3"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(line.strip().rsplit("  ", 1) for line in done.stdout.splitlines()
                   if line.startswith("  ") and "  " in line.strip())
    figures = {name.strip(): value.strip() for name, value in figures.items()}
    assert int(figures["index changes (works posted)"]) > 0
    assert figures["index changes missed"] == "0"
    assert figures["writes lost"] == "0" and figures["writes doubled"] == "0"
    assert int(figures["writes acknowledged"]) > 0
