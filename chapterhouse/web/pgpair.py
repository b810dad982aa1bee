"""A throwaway PostgreSQL primary and streaming replica, for the tests of
reads from a replica (docs/replicas.md) and for benchmarks.

``PostgresPair().start()`` runs Debian's ``initdb`` for the primary,
``pg_basebackup -R`` for the replica and ``pg_ctl`` for both, on free ports
of 127.0.0.1 with trust authentication and ``fsync`` off, in a new directory
under the system's temp dir; ``stop()`` stops both and removes it. As root
the tools run as the ``postgres`` system user (PostgreSQL refuses root), as
``scripts/test.py`` does for its own cluster. A site runs
its distribution's services instead (docs/replicas.md shows how).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def find_bindir() -> Path | None:
    """The highest ``/usr/lib/postgresql/N/bin`` with initdb and pg_basebackup."""
    found = [Path(d) for d in glob.glob("/usr/lib/postgresql/*/bin")
             if Path(d, "initdb").exists() and Path(d, "pg_basebackup").exists()]
    if not found:
        return None
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresPair:
    """A primary and its streaming replica in a temp dir of their own."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        if self.bindir is None:
            raise RuntimeError(
                "no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)")
        # Not under pytest's tmp_path: the postgres user cannot enter root's.
        self.tmp = Path(tempfile.mkdtemp(prefix="chapterhouse-pgpair-"))
        self.primary_port = _free_port()
        self.replica_port = _free_port()
        self.running: set[str] = set()

    # --- commands ---

    def _tool(self, tool: str, *args) -> None:
        cmd = [str(self.bindir / tool), *(str(a) for a in args)]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        with (self.tmp / "tools.log").open("a") as log:
            subprocess.run(cmd, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                           check=True, timeout=180)

    def _data(self, which: str) -> Path:
        return self.tmp / which

    def _options(self, port: int) -> str:
        return " ".join([
            f"-p {port}", f"-k {self.tmp}", "-c listen_addresses=127.0.0.1",
            "-c fsync=off", "-c synchronous_commit=off", "-c wal_level=replica",
            "-c max_wal_senders=4", "-c hot_standby=on", "-c wal_receiver_status_interval=1s",
            "-c max_standby_streaming_delay=5s",
        ])

    def _pg_ctl_start(self, which: str, port: int) -> None:
        self._tool("pg_ctl", "-D", self._data(which), "-l", self.tmp / f"{which}.log", "-w",
                   "-t", "120", "-o", self._options(port), "start")
        self.running.add(which)

    def _pg_ctl_stop(self, which: str) -> None:
        if which in self.running:
            self.running.discard(which)
            self._tool("pg_ctl", "-D", self._data(which), "-m", "fast", "-w", "-t", "60", "stop")

    # --- the pair ---

    def start(self) -> PostgresPair:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.tmp, owner.pw_uid, owner.pw_gid)
        self._tool("initdb", "-D", self._data("primary"), "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        self._pg_ctl_start("primary", self.primary_port)
        # The replica: a base backup of the primary that streams from it
        # (-R writes primary_conninfo and standby.signal).
        self._tool("pg_basebackup", "-h", "127.0.0.1", "-p", self.primary_port, "-U", "postgres",
                   "-D", self._data("replica"), "-R", "-X", "stream", "-c", "fast")
        self.start_replica()
        return self

    def start_replica(self) -> None:
        self._pg_ctl_start("replica", self.replica_port)

    def stop_replica(self) -> None:
        self._pg_ctl_stop("replica")

    def stop(self) -> None:
        for which in ("replica", "primary"):
            with contextlib.suppress(subprocess.SubprocessError):
                self._pg_ctl_stop(which)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, which: str, dbname: str = "postgres") -> str:
        port = self.primary_port if which == "primary" else self.replica_port
        return f"postgres://postgres@127.0.0.1:{port}/{dbname}"

    # --- asking them ---

    def sql(self, which: str, query: str, params=(), dbname: str = "postgres"):
        """Run one statement on the primary or the replica; its first row."""
        import psycopg

        port = self.primary_port if which == "primary" else self.replica_port
        with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname=dbname,
                             autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchone() if cursor.description else None

    def pause_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.sql("replica", "SELECT pg_wal_replay_resume()")

    def wait_replayed(self, seconds: float = 30) -> None:
        """Until the replica has replayed everything the primary wrote so far."""
        (lsn,) = self.sql("primary", "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            (done,) = self.sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                               [lsn])
            if done:
                return
            time.sleep(0.05)
        raise AssertionError(f"the replica did not replay up to {lsn} within {seconds} s")
