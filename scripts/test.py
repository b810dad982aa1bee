#!/usr/bin/env python3
"""Chapterhouse's one test command, and what CI runs (through .ci/run).

    python3 scripts/test.py [extra pytest arguments]

On a machine that has nothing but python3 it:

1. creates ``.venv`` and installs the project with its ``test`` extra
   (skipped while ``.venv/.chapterhouse-test-stamp`` holds pyproject.toml's
   sha256);
2. makes sure Debian's Chromium is there for the browser tests, and epubcheck,
   poppler-utils and the DejaVu fonts for the download tests, and (for the
   PostgreSQL run) PostgreSQL's initdb and pg_basebackup for the replica tests;
3. runs ``ruff check .``;
4. finds a PostgreSQL server on 127.0.0.1:$CHAPTERHOUSE_TEST_PG_PORT, or
   starts a throwaway cluster there that it removes again at the end (only
   when the PostgreSQL run is selected);
5. runs the pytest suite once on SQLite and once on PostgreSQL (at the same
   time on two cores or more), and prints a summary. The exit code is non-zero if anything failed.

Environment: CHAPTERHOUSE_TEST_PG_PORT (5432), CHAPTERHOUSE_TEST_DATABASES
(``sqlite,postgres``), CHAPTERHOUSE_TEST_CONCURRENT, CHAPTERHOUSE_CHROMIUM (/usr/bin/chromium) and
CHAPTERHOUSE_SKIP_INSTALL=1. docs/testing.md explains them.

Standard library only: this script runs before any virtualenv exists.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
VENV = REPO / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".chapterhouse-test-stamp"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
PG_HOST = "127.0.0.1"
KNOWN_DATABASES = ("sqlite", "postgres")
#: pytest's exit code for "no tests were collected".
PYTEST_NO_TESTS = 5


class Failure(Exception):
    """A step failed in a way the user can act on; the message says how."""


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; unwinds through every ``finally``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def note(message: str) -> None:
    print(f"    {message}", flush=True)


def is_root() -> bool:
    return os.geteuid() == 0


# --- running commands and signals ------------------------------------------

_children: set[subprocess.Popen[bytes]] = set()
_signals_seen: list[int] = []


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    """Stop the running children (if any) gently, then unwind the script.

    A Ctrl-C from a terminal reaches the children too (same process group), so
    SIGINT is not forwarded the first time: pytest gets to tear down its test
    database. SIGTERM is forwarded. A second signal kills the children.
    """
    _signals_seen.append(signum)
    running = [child for child in list(_children) if child.poll() is None]
    if not running:
        raise Interrupted(signum)
    for child in running:
        if len(_signals_seen) > 1:
            child.kill()
        elif signum == signal.SIGTERM:
            child.terminate()


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM for a moment (while cleaning up)."""
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(
    cmd: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    output: Path | None = None,
) -> int:
    """Run a command and return its exit code.

    Its stdout and stderr are ours, or appended to ``output`` if given.
    """
    with open(output or os.devnull, "ab") as log:
        sink = log if output else None
        try:
            child = subprocess.Popen(
                [str(c) for c in cmd], env=env, cwd=cwd or REPO, stdout=sink, stderr=sink
            )
        except FileNotFoundError:
            raise Failure(f"{cmd[0]} not found") from None
        _children.add(child)
        try:
            code = child.wait()
        finally:
            _children.discard(child)
    if _signals_seen:
        raise Interrupted(_signals_seen[0])
    return code


def check(cmd: Sequence[str | Path], what: str, *, env: dict[str, str] | None = None) -> None:
    """Run a command; raise Failure naming ``what`` if it fails."""
    code = run(cmd, env=env)
    if code != 0:
        raise Failure(f"{what} failed (exit {code}): {shlex.join(str(c) for c in cmd)}")


_apt_updated = False


def apt_install(*packages: str, recommends: bool = True) -> None:
    """Install Debian packages (root only); runs ``apt-get update`` once."""
    global _apt_updated
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        check(["apt-get", "update"], "apt-get update", env=env)
        _apt_updated = True
    extra = [] if recommends else ["--no-install-recommends"]
    check(["apt-get", "install", "-y", *extra, *packages], "apt-get install", env=env)


# --- 1. virtualenv ----------------------------------------------------------


def pyproject_hash() -> str:
    return hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv() -> None:
    step("virtualenv .venv")
    if VENV_PYTHON.exists() and (VENV / "bin" / "pip").exists():
        note("exists")
    else:
        if (
            importlib.util.find_spec("venv") is None
            or importlib.util.find_spec("ensurepip") is None
        ):
            raise Failure(
                "python3 cannot create virtualenvs here (no venv/ensurepip module); "
                "on Debian or Ubuntu: apt-get install python3-venv"
            )
        code = run([sys.executable, "-m", "venv", "--clear", VENV])
        if code != 0:
            raise Failure(
                "python3 -m venv failed; on Debian or Ubuntu: apt-get install python3-venv"
            )
        note(f"created with {sys.executable}")

    if os.environ.get("CHAPTERHOUSE_SKIP_INSTALL") == "1":
        note("CHAPTERHOUSE_SKIP_INSTALL=1: not installing packages")
        return
    digest = pyproject_hash()
    if STAMP.exists() and STAMP.read_text().strip() == digest:
        note("packages up to date with pyproject.toml")
        return
    step("pip install -e '.[test]'")
    check([VENV_PYTHON, "-m", "pip", "install", "-q", "-e", ".[test]"], "pip install")
    STAMP.write_text(digest + "\n")


# --- 2. Chromium ------------------------------------------------------------


def ensure_chromium() -> str:
    """Return the Chromium to export as CHAPTERHOUSE_CHROMIUM."""
    step("Chromium for the browser tests")
    wanted = os.environ.get("CHAPTERHOUSE_CHROMIUM")
    if wanted:
        found = shutil.which(wanted)
        if found is None:
            raise Failure(f"CHAPTERHOUSE_CHROMIUM={wanted} is not an executable")
        note(f"{found} (from CHAPTERHOUSE_CHROMIUM)")
        return wanted
    if not Path(DEBIAN_CHROMIUM).exists():
        if not is_root():
            raise Failure(
                f"{DEBIAN_CHROMIUM} is missing: install Debian's chromium package "
                "(sudo apt-get install chromium), or point CHAPTERHOUSE_CHROMIUM at "
                "a Chromium binary"
            )
        note(f"{DEBIAN_CHROMIUM} missing; installing Debian's chromium")
        apt_install("chromium")
    note(DEBIAN_CHROMIUM)
    return DEBIAN_CHROMIUM


#: Debian tools the download tests run, by the file that shows each is there.
DEBIAN_TOOLS = {
    "/usr/bin/epubcheck": "epubcheck",            # EPUB downloads pass epubcheck
    "/usr/bin/pdftoppm": "poppler-utils",         # the PDF's first page renders
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf": "fonts-dejavu-core",  # PDF text
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf": "fonts-dejavu-extra",
    # epubcheck checks every book of a test in one Java process (java File.java).
    "/usr/bin/javac": "default-jdk-headless",
    # The guest page cache's tests and the app-node tests (tests/test_nodes.py) run a
    # real Varnish (and varnishadm) with the shipped VCL and deploy/varnish/site.vcl.
    "/usr/sbin/varnishd": "varnish",
    # AZW3 and MOBI downloads are made by Calibre's ebook-convert; ebook-meta opens them.
    "/usr/bin/ebook-convert": "calibre",
}
#: Installed without their recommended packages (Calibre's would add hundreds of megabytes).
DEBIAN_NO_RECOMMENDS = {"calibre"}


def ensure_debian_tools() -> None:
    """epubcheck (with a JDK), poppler, the DejaVu fonts and Calibre for the download
    tests, and Varnish for the HTTP cache tests."""
    step("epubcheck, pdftoppm, fonts, calibre and varnishd for the download and cache tests")
    missing = sorted({pkg for path, pkg in DEBIAN_TOOLS.items() if not Path(path).exists()})
    if not missing:
        note("present")
        return
    if not is_root():
        raise Failure(
            f"missing Debian packages for the download and cache tests: {' '.join(missing)} "
            f"(sudo apt-get install {' '.join(missing)})"
        )
    note(f"installing {' '.join(missing)}")
    plain = [pkg for pkg in missing if pkg not in DEBIAN_NO_RECOMMENDS]
    lean = [pkg for pkg in missing if pkg in DEBIAN_NO_RECOMMENDS]
    if plain:
        apt_install(*plain)
    if lean:
        apt_install(*lean, recommends=False)


# --- 3. lint ----------------------------------------------------------------


def lint() -> None:
    step("ruff check .")
    check([VENV / "bin" / "ruff", "check", "."], "ruff check")


# --- 4. PostgreSQL ----------------------------------------------------------

_PROBE = """
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres",
                     dbname="postgres", connect_timeout=5) as conn:
    print(conn.execute("show server_version").fetchone()[0])
"""


_DROP = """
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=int(sys.argv[2]), user="postgres",
                     dbname="postgres", connect_timeout=5, autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[3]}" WITH (FORCE)')
"""

_PG_RUN_NAME: list[str] = []


def pg_run_name() -> str:
    """The database name in this run's DATABASE_URL (never created itself:
    Django connects to ``postgres`` to make the test database). pytest-django
    names its test database after it, ``test_chapterhouse_<pid>_<random>``."""
    if not _PG_RUN_NAME:
        _PG_RUN_NAME.append(f"chapterhouse_{os.getpid()}_{secrets.token_hex(3)}")
    return _PG_RUN_NAME[0]


def drop_test_database(port: int) -> None:
    """Drop this run's test database if pytest-django left it (a run killed
    half-way): with a new name each run, nothing else would ever drop it."""
    subprocess.run(
        [str(VENV_PYTHON), "-c", _DROP, PG_HOST, str(port), f"test_{pg_run_name()}"],
        capture_output=True, text=True, check=False,
    )


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((PG_HOST, port), timeout=2):
            return True
    except OSError:
        return False


def probe_postgres(port: int) -> str | None:
    """Server version if postgres@127.0.0.1:port lets us in without a password.

    None if nothing listens there; Failure if something listens but that
    login does not work (we can neither use it nor start our own there).
    """
    if not port_open(port):
        return None
    result = subprocess.run(
        [str(VENV_PYTHON), "-c", _PROBE, PG_HOST, str(port)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        lines = (result.stderr.strip() or "no output").splitlines()
        raise Failure(
            f"something answers on {PG_HOST}:{port}, but a password-less login as user "
            f"postgres failed ({lines[-1]}); set CHAPTERHOUSE_TEST_PG_PORT to a free port "
            "for a throwaway cluster, or allow trust auth for 127.0.0.1 on that server"
        )
    return result.stdout.strip()


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def find_pg_bindir() -> Path | None:
    """Directory holding initdb and pg_ctl: Debian's highest version, else PATH."""
    candidates = [d for d in glob.glob("/usr/lib/postgresql/*/bin") if Path(d, "initdb").exists()]
    if candidates:
        return Path(max(candidates, key=_version_key))
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(initdb).parent
    return None


def ensure_pg_bindir() -> Path:
    bindir = find_pg_bindir()
    if bindir is None:
        if not is_root():
            raise Failure(
                "no PostgreSQL server answers and initdb/pg_ctl were not found: install "
                "PostgreSQL (Debian: sudo apt-get install postgresql), or start a server "
                "with trust auth for user postgres on 127.0.0.1 and set "
                "CHAPTERHOUSE_TEST_PG_PORT to its port"
            )
        note("initdb not found; installing Debian's postgresql")
        apt_install("postgresql")
        bindir = find_pg_bindir()
        if bindir is None:
            raise Failure("installed postgresql but found no initdb under /usr/lib/postgresql")
    return bindir


def ensure_replica_tools() -> None:
    """initdb, pg_ctl and pg_basebackup for tests/test_replica.py, which starts
    a primary and a streaming replica of its own in the PostgreSQL run."""
    step("initdb and pg_basebackup for the replica tests")
    bindir = find_pg_bindir()
    if bindir is None or not (bindir / "pg_basebackup").exists():
        if not is_root():
            # Not a reason to stop: those tests say they are skipped, and why.
            note("PostgreSQL's server tools are missing (sudo apt-get install postgresql); "
                 "the replica tests will be skipped")
            return
        note("initdb or pg_basebackup missing; installing Debian's postgresql")
        apt_install("postgresql")
        bindir = find_pg_bindir()
    note(str(bindir))


def pg_major_version(bindir: Path) -> str:
    """The major version, e.g. 15 from "pg_ctl (PostgreSQL) 15.20"."""
    out = subprocess.run(
        [str(bindir / "pg_ctl"), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    return out[-1].split(".")[0] if out else "?"


class ThrowawayCluster:
    """A PostgreSQL cluster in a temp dir, trust auth, fsync off; removed on stop()."""

    def __init__(self, bindir: Path, port: int) -> None:
        self.bindir = bindir
        self.port = port
        self.version = pg_major_version(bindir)
        self.tmp = Path(tempfile.mkdtemp(prefix="chapterhouse-pg-"))
        self.data = self.tmp / "data"
        self.log = self.tmp / "postgres.log"  # the server's
        self.tool_log = self.tmp / "tools.log"  # initdb's and pg_ctl's
        self.started = False

    def _as_owner(self, tool: str, *args: str | Path) -> list[str]:
        """Command line running a PostgreSQL tool as the cluster's owner."""
        cmd = [str(self.bindir / tool), *(str(a) for a in args)]
        # PostgreSQL refuses to run as root; Debian's package has a postgres user.
        return ["runuser", "-u", "postgres", "--", *cmd] if is_root() else cmd

    def _pg(self, tool: str, *args: str | Path) -> int:
        # cwd: the tmp dir, which the postgres user can enter (unlike /root).
        return run(self._as_owner(tool, *args), cwd=self.tmp, output=self.tool_log)

    def start(self) -> None:
        if is_root():
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise Failure(
                    "running as root, but there is no 'postgres' system user to run "
                    "PostgreSQL as (Debian's postgresql package creates it)"
                ) from None
            os.chown(self.tmp, owner.pw_uid, owner.pw_gid)
        self._initdb()
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {shlex.quote(str(self.tmp))}",
                f"-c listen_addresses={PG_HOST}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self.started = True  # from here on, stop() must try pg_ctl stop
        code = self._pg(
            "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options, "start"
        )
        if code != 0:
            self._show_logs()
            raise Failure(f"pg_ctl start failed (exit {code}); logs above")

    def _initdb(self) -> None:
        base = ["-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]
        # C.UTF-8 like Debian's default cluster: byte-order sorting, Unicode
        # upper()/lower(). Plain C where that locale does not exist.
        if self._pg("initdb", *base, "--locale=C.UTF-8") == 0:
            return
        note("initdb with C.UTF-8 failed; retrying with --no-locale")
        shutil.rmtree(self.data, ignore_errors=True)
        if self._pg("initdb", *base, "--no-locale") != 0:
            self._show_logs()
            raise Failure("initdb failed; its output is above")

    def _show_logs(self) -> None:
        for log in (self.tool_log, self.log):
            if log.exists():
                print(f"--- {log.name}", file=sys.stderr)
                print(log.read_text(errors="replace")[-4000:], file=sys.stderr, flush=True)

    def stop(self) -> None:
        """Stop the server (fast, then immediate) and delete the temp dir."""
        if self.started and (self.data / "postmaster.pid").exists():
            step(f"stopping the throwaway PostgreSQL cluster on {PG_HOST}:{self.port}")
            for mode in ("fast", "immediate"):
                cmd = self._as_owner("pg_ctl", "-D", self.data, "-s", "-m", mode, "-w", "-t", "30")
                if subprocess.run([*cmd, "stop"], cwd=self.tmp, check=False).returncode == 0:
                    break
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.tmp.exists():
            note(f"warning: could not remove {self.tmp}")
        else:
            note(f"removed {self.tmp}")


@contextmanager
def postgres_server(port: int) -> Iterator[None]:
    """Use the server on 127.0.0.1:port, or run a throwaway one for the block."""
    step(f"PostgreSQL on {PG_HOST}:{port}")
    version = probe_postgres(port)
    if version is not None:
        note(f"using the PostgreSQL server already answering on {PG_HOST}:{port} ({version})")
        yield
        return
    bindir = ensure_pg_bindir()
    version = probe_postgres(port)  # installing Debian's package may have started one
    if version is not None:
        note(f"using the PostgreSQL server already answering on {PG_HOST}:{port} ({version})")
        yield
        return
    cluster = ThrowawayCluster(bindir, port)
    try:
        cluster.start()
        note(
            f"started a throwaway PostgreSQL {cluster.version} cluster on "
            f"{PG_HOST}:{port} in {cluster.tmp}"
        )
        yield
    finally:
        with signals_deferred():
            cluster.stop()


# --- 5. the suite -----------------------------------------------------------


@dataclass
class SuiteResult:
    database: str
    exit_code: int
    seconds: float
    counts: dict[str, int] | None  # passed/failed/skipped from the JUnit report

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def describe(self) -> str:
        if self.ok:
            status = "passed"
        elif self.exit_code == PYTEST_NO_TESTS:
            status = "FAILED (no tests collected)"
        else:
            status = f"FAILED (pytest exit {self.exit_code})"
        if self.counts is not None:
            c = self.counts
            status += f"; {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"
        return f"{self.database:<9} {status} in {self.seconds:.1f}s"


def read_junit(path: Path) -> dict[str, int] | None:
    """Test counts from pytest's JUnit XML report, if it wrote one."""
    if not path.exists():
        return None
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - our own pytest's report
    except ET.ParseError:
        return None
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        for key in total:
            total[key] += int(suite.get(key, "0"))
    failed = total["failures"] + total["errors"]
    return {
        "passed": total["tests"] - failed - total["skipped"],
        "failed": failed,
        "skipped": total["skipped"],
    }


def slowest_modules(path: Path, count: int = 12) -> list[tuple[str, float, int]]:
    """The test modules that took longest in a JUnit report: (module, seconds,
    tests), so a growing suite shows where its time goes."""
    if not path.exists():
        return []
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - our own pytest's report
    except ET.ParseError:
        return []
    seconds: dict[str, float] = {}
    tests: dict[str, int] = {}
    for case in root.iter("testcase"):
        # classname is "pkg.module" or "pkg.module.Class": keep the module.
        parts = (case.get("classname") or "?").split(".")
        while len(parts) > 1 and parts[-1][:1].isupper():
            parts.pop()
        module = ".".join(parts)
        seconds[module] = seconds.get(module, 0.0) + float(case.get("time") or 0)
        tests[module] = tests.get(module, 0) + 1
    ranked = sorted(seconds.items(), key=lambda item: -item[1])[:count]
    return [(module, secs, tests[module]) for module, secs in ranked]


def run_suite(
    database: str,
    pg_port: int,
    chromium: str,
    pytest_args: Sequence[str],
    *,
    output: Path | None = None,
) -> SuiteResult:
    """Run the suite on one database. With ``output``, pytest writes there
    (the concurrent mode prints it afterwards) instead of to our stdout."""
    label = "SQLite" if database == "sqlite" else f"PostgreSQL ({PG_HOST}:{pg_port})"
    step(f"suite on {label}" + (" (output follows when it ends)" if output else ""))
    scratch = Path(tempfile.mkdtemp(prefix=f"chapterhouse-test-{database}-"))
    var_dir = scratch / "var"
    var_dir.mkdir()
    junit = scratch / "junit.xml"
    if database == "sqlite":
        # pytest-django makes the test database in memory; this file stays unused.
        url = f"sqlite:///{scratch}/test.sqlite3"
        extra: list[str] = []
    else:
        # pytest-django creates and drops test_<name> on that server; the name is
        # this run's own, so two runs against one server never share a database.
        url = f"postgres://postgres@{PG_HOST}:{pg_port}/{pg_run_name()}"
        extra = ["--create-db"]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CHAPTERHOUSE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "chapterhouse.settings",
        "CHAPTERHOUSE_CHROMIUM": chromium,
    }
    cmd = [VENV_PYTHON, "-m", "pytest", f"--junitxml={junit}", *extra, *pytest_args]
    started = time.monotonic()
    slow: list[tuple[str, float, int]] = []
    try:
        try:
            code = run(cmd, env=env, output=output)
        finally:
            if output is not None:
                step(f"output of the suite on {label}")
                sys.stdout.write(output.read_text(errors="replace"))
                sys.stdout.flush()
        counts = read_junit(junit)
        slow = slowest_modules(junit)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if database != "sqlite":
            drop_test_database(pg_port)
    if slow:
        note(f"slowest test modules on {label}:")
        for module, secs, tests in slow:
            note(f"  {secs:7.1f}s  {tests:4d} tests  {module}")
    return SuiteResult(database, code, time.monotonic() - started, counts)


def run_suites_concurrently(
    databases: Sequence[str], pg_port: int, chromium: str, pytest_args: Sequence[str]
) -> list[SuiteResult]:
    """Both suites at once, each in a thread of its own: the first streams its
    output, the others write theirs to a file printed when they end. On a
    machine with two cores or more this takes little more than the longer
    suite alone, instead of the two one after the other."""
    logs = Path(tempfile.mkdtemp(prefix="chapterhouse-test-logs-"))
    results: dict[str, SuiteResult] = {}
    errors: list[BaseException] = []

    def one(database: str, output: Path | None) -> None:
        try:
            results[database] = run_suite(database, pg_port, chromium, pytest_args, output=output)
        except BaseException as error:  # noqa: BLE001 - re-raised by the main thread
            errors.append(error)

    threads = [
        threading.Thread(
            target=one, args=(database, None if i == 0 else logs / f"{database}.log"), daemon=True
        )
        for i, database in enumerate(databases)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    if _signals_seen:
        raise Interrupted(_signals_seen[0])
    if errors:
        raise errors[0]
    return [results[database] for database in databases]


def concurrent_suites() -> bool:
    """CHAPTERHOUSE_TEST_CONCURRENT: 1 runs the SQLite and PostgreSQL suites
    at once, 0 one after the other; unset, at once on two cores or more."""
    value = os.environ.get("CHAPTERHOUSE_TEST_CONCURRENT", "").strip()
    if value:
        return value not in ("0", "no", "false")
    return (os.cpu_count() or 1) >= 2


def print_summary(results: Sequence[SuiteResult]) -> None:
    step("summary")
    for result in results:
        note(result.describe())
    counted = [r.counts for r in results if r.counts is not None]
    if counted:
        # The plain closing line CI tools look for, over both runs.
        passed = sum(c["passed"] for c in counted)
        failed = sum(c["failed"] for c in counted)
        skipped = sum(c["skipped"] for c in counted)
        print(f"tests: {passed} passed, {failed} failed, {skipped} skipped", flush=True)


# --- main -------------------------------------------------------------------


def selected_databases() -> list[str]:
    raw = os.environ.get("CHAPTERHOUSE_TEST_DATABASES", ",".join(KNOWN_DATABASES))
    chosen = [d.strip() for d in raw.split(",") if d.strip()]
    unknown = sorted(set(chosen) - set(KNOWN_DATABASES))
    if unknown or not chosen:
        raise Failure(
            f"CHAPTERHOUSE_TEST_DATABASES={raw!r}: use a comma-separated list of "
            f"{', '.join(KNOWN_DATABASES)}"
        )
    return [d for d in KNOWN_DATABASES if d in chosen]


def pg_port() -> int:
    raw = os.environ.get("CHAPTERHOUSE_TEST_PG_PORT", "5432")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise Failure(f"CHAPTERHOUSE_TEST_PG_PORT={raw!r} is not a port number")
    return int(raw)


def run_suites(pytest_args: Sequence[str]) -> int:
    databases = selected_databases()
    port = pg_port()
    ensure_venv()
    chromium = ensure_chromium()
    ensure_debian_tools()
    if "postgres" in databases:
        ensure_replica_tools()
    lint()
    results: list[SuiteResult] = []
    with postgres_server(port) if "postgres" in databases else nullcontext():
        if len(databases) > 1 and concurrent_suites():
            step(f"running the suites on {' and '.join(databases)} at the same time")
            results = run_suites_concurrently(databases, port, chromium, pytest_args)
        else:
            for database in databases:
                results.append(run_suite(database, port, chromium, pytest_args))
    print_summary(results)
    return 0 if all(r.ok for r in results) else 1


def main(argv: Sequence[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - any python3 may run this
        print("scripts/test.py needs Python 3.11 or newer", file=sys.stderr)
        return 2
    install_signal_handlers()
    started = time.monotonic()
    try:
        code = run_suites(argv)
    except Failure as error:
        print(f"==> FAILED: {error}", file=sys.stderr, flush=True)
        code = 1
    except Interrupted as interrupt:
        print(f"==> interrupted by {interrupt}", file=sys.stderr, flush=True)
        code = 128 + interrupt.signum
    step(f"{'ok' if code == 0 else 'failed'} after {time.monotonic() - started:.1f}s")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
