"""What every fault scenario shares: a fresh site served by ``chapterhouse
serve`` on a database of its own, a load of guest reads and readers' writes
with unique markers over HTTP, and the report (see bench/README.md).

A scenario builds a ``Site``, starts a ``Load`` on it, does its fault while
the load runs, stops the load and calls ``report``: requests sent, errors by
kind, writes attempted / acknowledged / committed (counted in the database by
their markers) / lost / doubled, and the time to recover. The exit status is
1 when a write was lost or doubled (or a scenario's own count failed).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

REPO = Path(__file__).resolve().parent.parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chapterhouse.web.varnishd import free_port  # noqa: E402

COMMENT = "comment[comment_content]"
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def parse(description: str, *, outage: float, seconds: float, argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--quick", action="store_true", help="a short run (for the tests)")
    parser.add_argument("--seconds", type=float, help=f"seconds of load in all ({seconds:g})")
    parser.add_argument("--outage", type=float, help=f"seconds the fault lasts ({outage:g})")
    parser.add_argument("--threads", type=int, default=4, help="client threads (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    args = parser.parse_args(argv)
    if args.seconds is None:
        args.seconds = seconds / 2 if args.quick else seconds
    if args.outage is None:
        args.outage = outage / 2 if args.quick else outage
    return args


def pg_server_url() -> str:
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = "postgres://postgres@127.0.0.1:5432/postgres"
    # The server's maintenance database: the named one need not exist yet.
    return urlunsplit(urlsplit(server)._replace(path="/postgres"))


# The site ------------------------------------------------------------------------------------


class Site:
    """A fresh site in a temporary directory: its own var directory and its
    own database (a SQLite file, or a PostgreSQL database dropped at the end),
    migrated and seeded in this process, served by ``chapterhouse serve``.

    ``database_url`` is what this process uses (to seed and to count);
    ``serve_database_url`` what the server uses (a proxy's address, say)."""

    def __init__(self, scenario: str, *, db: str, workers: int = 2, readers: int = 40,
                 works: int = 20) -> None:
        self.scenario = scenario
        self.db = db
        self.workers = workers
        self.reader_count = readers
        self.work_count = works
        self.dir = Path(tempfile.mkdtemp(prefix=f"chfault-{scenario}-"))
        self.var_dir = self.dir / "var"
        self.pg_name = ""
        self.pg_server = pg_server_url()
        if db == "postgres":
            self.pg_name = f"chfault_{scenario}_{os.getpid()}"
            parts = urlsplit(self.pg_server)
            self.database_url = urlunsplit(parts._replace(path=f"/{self.pg_name}"))
        else:
            self.database_url = f"sqlite:///{self.dir / 'site.sqlite3'}"
        self.serve_database_url = self.database_url
        self.env: dict[str, str] = {}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.work_ids: list[int] = []
        self.cookies: list[str] = []  # one session cookie per reader
        self.cookie_name = "sessionid"

    # -- database

    def _pg_admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_server, autocommit=True) as conn:
            conn.execute(sql)

    def prepare(self) -> None:
        """Create, migrate and seed the database (a creator, her works, readers
        signed in) with Django set up in this process."""
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            self._pg_admin(f'CREATE DATABASE "{self.pg_name}"')
        os.environ["DATABASE_URL"] = self.database_url
        os.environ["CHAPTERHOUSE_VAR_DIR"] = str(self.var_dir)
        os.environ.pop("REDIS_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from django.test import Client

        from chapterhouse.accounts.tests.factories import UserFactory
        from chapterhouse.works.tests.factories import WorkFactory

        creator = UserFactory(username="fault_writer", password=None)
        self.work_ids = [WorkFactory(creator=creator, title=f"Lamp {n}").pk
                         for n in range(self.work_count)]
        name = self.cookie_name = settings.SESSION_COOKIE_NAME
        for n in range(self.reader_count):
            client = Client()
            client.force_login(UserFactory(username=f"fault_reader{n}", password=None),
                               backend="django.contrib.auth.backends.ModelBackend")
            self.cookies.append(client.cookies[name].value)
        from django.db import connections

        connections.close_all()

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        if self.pg_name:
            self._pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- the server

    def start(self, *extra: str) -> None:
        env = {k: v for k, v in os.environ.items()
               if k not in ("DJANGO_SETTINGS_MODULE", "EMAIL_URL", "CHAPTERHOUSE_SEARCH_DIR")}
        env.update({
            "DATABASE_URL": self.serve_database_url,
            "CHAPTERHOUSE_VAR_DIR": str(self.var_dir),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            "CHAPTERHOUSE_TASK_LEASE": "3",
            **self.env,
        })
        self.log = (self.dir / "serve.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [sys.executable, "-m", "chapterhouse.cli", "serve", "--port", str(self.port),
             "--workers", str(self.workers), *extra],
            env=env, cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"serve ended ({self.process.returncode}); "
                                 f"see {self.dir}/serve.log")
            try:
                if requests.get(self.base + "/health", timeout=10).status_code == 200:
                    # The first page of each worker opens the index; not part of the figures.
                    for work in self.work_ids[:4]:
                        requests.get(f"{self.base}/works/{work}", timeout=60)
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise SystemExit("serve did not answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


# The load ------------------------------------------------------------------------------------


@dataclass
class Event:
    at: float  # time.monotonic() when the request was sent
    ok: bool
    write: bool


@dataclass
class Tally:
    events: list[Event] = field(default_factory=list)
    errors: collections.Counter = field(default_factory=collections.Counter)
    attempted: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, at: float, ok: bool, write: bool, error: str = "") -> None:
        with self.lock:
            self.events.append(Event(at, ok, write))
            if not ok:
                self.errors[error] += 1


def _kind(exc: Exception) -> str:
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__
    name = type(exc).__name__
    return f"{name} ({type(cause).__name__})" if cause is not exc else name


def _said(page: str) -> str:
    """The page's error message, shortened: ``: You have posted…``."""
    found = re.search(r'id="error"[^>]*>(.*?)</div>', page, re.S)
    if not found:
        return ""
    text = " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())
    return f": {text[:70]}…" if len(text) > 70 else f": {text}"


def comment_write(session: requests.Session, base: str, work_id: int, marker: str,
                  get) -> bool:
    """A reader's comment through the real form: the answer (a redirect back
    to the work when saved), or False when its form page failed."""
    page = get(f"/works/{work_id}")
    if page is None:
        return False
    token = TOKEN.search(page.text)
    answer = session.post(f"{base}/works/{work_id}/comments",
                          data={COMMENT: f"<p>{marker}</p>",
                                "authenticity_token": token.group(1) if token else ""},
                          allow_redirects=False, timeout=30)
    return answer


def work_post_write(session: requests.Session, base: str, work_id: int, marker: str,
                    get):
    """A reader posting a one-shot titled ``marker`` through the real form."""
    page = get("/works/new")
    if page is None:
        return False
    token = TOKEN.search(page.text)
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY

    return session.post(f"{base}/works/new", data={
        "authenticity_token": token.group(1) if token else "",
        "title": marker, "rating": str(GENERAL), "warnings": [str(NO_WARNINGS_APPLY)],
        "fandoms": "Lighthouse Keepers", "language": "en", "comment_permission": "everyone",
        "content": f"<p>The lamp {marker} burned all night.</p>", "content_format": "html",
        "summary_format": "html", "notes_format": "html", "endnotes_format": "html",
        "expected_chapters": "1", "post_button": "Post",
    }, allow_redirects=False, timeout=30)


class Load:
    """Threads sending guest reads (work pages, the works listing, the home
    page) and, one request in ``write_every``, a reader's write with a unique
    marker (``write``: ``comment_write`` or ``work_post_write``)."""

    def __init__(self, site: Site, *, threads: int = 4, write=comment_write,
                 write_every: int = 3) -> None:
        self.site = site
        self.threads = threads
        self.write = write
        self.write_every = write_every
        self.run = uuid.uuid4().hex[:8]
        self.tally = Tally()
        self.stopping = threading.Event()
        self._workers: list[threading.Thread] = []
        self._count = 0
        self._count_lock = threading.Lock()

    def marker(self) -> str:
        with self._count_lock:
            self._count += 1
            return f"fm{self.run}x{self._count:05d}"

    def _get(self, session: requests.Session, path: str):
        at = time.monotonic()
        try:
            answer = session.get(self.site.base + path, timeout=30)
        except requests.RequestException as exc:
            self.tally.record(at, False, False, _kind(exc))
            return None
        ok = answer.status_code == 200
        self.tally.record(at, ok, False, "" if ok else f"HTTP {answer.status_code}")
        return answer if ok else None

    def _reader(self, sessions: dict, index: int) -> requests.Session:
        """The session of reader ``index`` (one per reader, so each keeps her cookies)."""
        if index not in sessions:
            session = sessions[index] = requests.Session()
            session.cookies.set(self.site.cookie_name, self.site.cookies[index])
        return sessions[index]

    def _thread(self, number: int) -> None:
        guest = requests.Session()
        readers: dict[int, requests.Session] = {}
        works = self.site.work_ids
        turn = number
        while not self.stopping.is_set():
            turn += 1
            if turn % self.write_every == 0:
                # Each write by the next of this thread's readers: the per-reader
                # limits stay far off.
                mine = range(number, len(self.site.cookies), self.threads)
                reader = self._reader(readers, mine[(turn // self.write_every) % len(mine)])
                marker = self.marker()
                with self.tally.lock:
                    self.tally.attempted.append(marker)
                at = time.monotonic()
                try:
                    answer = self.write(reader, self.site.base, works[turn % len(works)], marker,
                                        lambda path, reader=reader: self._get(reader, path))
                except requests.RequestException as exc:
                    self.tally.record(at, False, True, _kind(exc))
                    continue
                if answer is False:  # its form page failed (counted there)
                    continue
                ok = answer.status_code == 302
                self.tally.record(at, ok, True, "" if ok else
                                  f"HTTP {answer.status_code} (write{_said(answer.text)})")
                if ok:
                    with self.tally.lock:
                        self.tally.acknowledged.append(marker)
            else:
                path = (f"/works/{works[turn % len(works)]}" if turn % 4 else
                        "/works" if turn % 8 else "/")
                self._get(guest, path)

    def __enter__(self) -> Load:
        self.started = time.monotonic()
        for number in range(self.threads):
            thread = threading.Thread(target=self._thread, args=(number,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self._workers:
            thread.join(60)


def recovered_after(events: list[Event], since: float) -> float | None:
    """Seconds from ``since`` (the fault's end) until every request sent from
    then on succeeded; None if the last request failed."""
    failed = [e.at for e in events if not e.ok and e.at >= since]
    if not failed:
        return 0.0
    later = [e.at for e in events if e.ok and e.at >= (max(failed) if failed else since)]
    if not later:
        return None
    return max(0.0, min(later) - since)


def committed_comments(run: str) -> collections.Counter:
    """How many times each marker of ``run`` is in a saved comment."""
    from chapterhouse.responses.models import Comment

    found = collections.Counter()
    for content in Comment.objects.filter(content__contains=f"fm{run}x").values_list(
            "content", flat=True):
        found.update(re.findall(rf"fm{run}x\d+", content))
    return found


def committed_works(run: str) -> collections.Counter:
    from chapterhouse.works.models import Work

    return collections.Counter(
        Work.objects.filter(title__startswith=f"fm{run}x").values_list("title", flat=True))


def report(title: str, load: Load, committed: collections.Counter, *,
           recovery: float | None, extra: dict | None = None,
           failures: list[str] | None = None) -> int:
    """Print the scenario's figures; the exit status (1 when anything was lost
    or doubled, or ``failures`` names a failed check)."""
    tally = load.tally
    acked = set(tally.acknowledged)
    lost = sorted(m for m in acked if committed[m] == 0)
    doubled = sorted(m for m, n in committed.items() if n > 1)
    unacked_saved = sorted(m for m in committed if m not in acked)
    failures = list(failures or [])
    if lost:
        failures.append(f"{len(lost)} acknowledged write(s) lost: {', '.join(lost[:5])}")
    if doubled:
        failures.append(f"{len(doubled)} write(s) doubled: {', '.join(doubled[:5])}")
    errors = ", ".join(f"{kind} × {n}" for kind, n in tally.errors.most_common()) or "none"
    rows = [
        ("requests sent", f"{len(tally.events):,}"),
        ("errors seen", f"{sum(tally.errors.values()):,} ({errors})"),
        ("writes attempted", f"{len(tally.attempted):,}"),
        ("writes acknowledged", f"{len(acked):,}"),
        ("writes committed (in the database)", f"{len(committed):,}"),
        ("  of them answered with an error", f"{len(unacked_saved):,}"),
        ("writes lost", f"{len(lost)}"),
        ("writes doubled", f"{len(doubled)}"),
        ("time to recover", "not recovered" if recovery is None else f"{recovery:.2f} s"),
        *((extra or {}).items()),
    ]
    print(f"\n{title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    for failure in failures:
        print(f"FAILED: {failure}")
    print("OK" if not failures else "NOT OK", flush=True)
    return 1 if failures else 0
