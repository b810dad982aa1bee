"""Reads from a PostgreSQL streaming replica (docs/replicas.md), with real
servers: a primary and a replica of their own (``web/pgpair.py``) under
``chapterhouse serve`` with ``DATABASE_REPLICA_URL`` set, over HTTP.

Which database answered a page is shown by pausing the replica's replay: a
comment written on the primary then stays off the replica, so a page that
shows it was read from the primary and one that does not, from the replica.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import uuid

import pytest
import requests

from chapterhouse.web.pgpair import PostgresPair, find_bindir

from .test_cli import ENTRY, clean_env, free_port, wait_for

# The servers it starts ignore the suite's database; they need PostgreSQL's
# tools, so the tests run once, in the PostgreSQL suite.
pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="starts a PostgreSQL primary and replica of its own; runs once, in the "
               "PostgreSQL suite",
    ),
    pytest.mark.skipif(find_bindir() is None, reason="PostgreSQL's initdb is not installed"),
]

COMMENT = "comment[comment_content]"
#: The server's DATABASE_REPLICA_MAX_LAG: long enough for a few requests on a
#: busy machine while replay is paused, short enough to wait out once.
MAX_LAG = 15.0
DBNAME = "chapterhouse"

#: Run by the server's own command before it starts: two readers and a work.
SETUP = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.test import Client
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.tests.factories import WorkFactory
work = WorkFactory(creator=UserFactory(username="wren_writer"), title="The Salt Road")
keys = {}
for name in ("ashby_reader", "bryony_reader"):
    client = Client()
    client.force_login(UserFactory(username=name),
                       backend="django.contrib.auth.backends.ModelBackend")
    keys[name] = client.cookies["sessionid"].value
print("SETUP " + json.dumps({"work": work.pk, "sessions": keys}))
"""


class Site:
    def __init__(self, base: str, pair: PostgresPair, work: int, sessions: dict) -> None:
        self.base, self.pair, self.work = base, pair, work
        self.sessions = sessions

    def reader(self, name: str) -> requests.Session:
        session = requests.Session()
        session.cookies.set("sessionid", self.sessions[name])
        return session

    @property
    def work_page(self) -> str:
        return f"{self.base}/works/{self.work}?show_comments=true"

    def comment(self, session: requests.Session, text: str) -> requests.Response:
        page = session.get(self.work_page, timeout=30)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        return session.post(
            f"{self.base}/works/{self.work}/comments",
            data={COMMENT: text, "authenticity_token": token},
            headers={"Referer": self.work_page}, timeout=30, allow_redirects=False,
        )

    def health(self) -> dict:
        answer = requests.get(f"{self.base}/health", timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def wait_health(self, replica: str, seconds: float = 30) -> dict:
        deadline = time.monotonic() + seconds
        while True:
            health = self.health()
            if health["replica"] == replica or time.monotonic() > deadline:
                return health
            time.sleep(0.2)

    def fresh_then_paused(self) -> None:
        """A transaction the replica replays, then its replay paused: from
        here its lag grows from about zero."""
        self.pair.sql("primary", "CREATE TABLE IF NOT EXISTS beat (at timestamptz)")
        self.pair.sql("primary", "INSERT INTO beat VALUES (now())")
        self.pair.wait_replayed()
        self.pair.pause_replay()


@pytest.fixture(scope="module")
def pair():
    servers = PostgresPair().start()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory, pair):
    tmp = tmp_path_factory.mktemp("replica")
    process = None
    try:
        pair.sql("primary", f"CREATE DATABASE {DBNAME}")
        env = {
            **clean_env(tmp / "var"),
            "DATABASE_URL": pair.url("primary", DBNAME),
            "DATABASE_REPLICA_URL": pair.url("replica", DBNAME),
            "DATABASE_REPLICA_MAX_LAG": str(MAX_LAG),
            "DATABASE_REPLICA_RETRY_SECONDS": "1",
            "DATABASE_REPLICA_PIN_SECONDS": "5",
        }
        setup = subprocess.run([*ENTRY, "manage", "shell", "-c", SETUP], cwd=tmp, env=env,
                               capture_output=True, text=True, timeout=600, check=False)
        found = re.search(r"^SETUP (.*)$", setup.stdout, re.M)
        assert found, setup.stdout + setup.stderr
        data = json.loads(found.group(1))
        port = free_port()
        with (tmp / "serve.log").open("w") as out:
            process = subprocess.Popen(
                [*ENTRY, "serve", "--port", str(port), "--workers", "1", "--no-worker"],
                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"
        assert wait_for(base + "/health", process, seconds=300).status_code == 200
        yield Site(base, pair, data["work"], data["sessions"])
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _assert_reads_on_replica(site: Site) -> None:
    """Ashby writes with the replica's replay paused: her next page (the
    cookie) shows it, Bryony's page (not pinned, read on the replica) does
    not until the replica has replayed it."""
    ashby, bryony = site.reader("ashby_reader"), site.reader("bryony_reader")
    marker = f"replica-{uuid.uuid4().hex}"
    site.fresh_then_paused()
    try:
        posted = site.comment(ashby, marker)
        assert posted.status_code == 302, posted.text[:2000]
        assert "recent_write" in posted.cookies  # her reads are pinned to the primary
        assert marker not in bryony.get(site.work_page, timeout=30).text
        assert marker in ashby.get(site.work_page, timeout=30).text
        again = bryony.get(site.work_page, timeout=30).text
        assert marker not in again, site.health()
    finally:
        site.pair.resume_replay()
    site.pair.wait_replayed()
    # Replayed: her page shows it again within seconds (a page already on its
    # way when replay resumed may still be the older one).
    deadline = time.monotonic() + 10
    while marker not in bryony.get(site.work_page, timeout=30).text:
        assert time.monotonic() < deadline, site.health()
        time.sleep(0.2)


def test_reads_come_from_the_replica_and_a_writer_reads_her_own_writes(site):
    assert site.health()["replica"] == "up"
    _assert_reads_on_replica(site)
    # A guest's shared page gets no cookie: the HTTP cache may still keep it.
    guest = requests.get(f"{site.base}/works/{site.work}", timeout=30)
    assert guest.status_code == 200
    assert "Set-Cookie" not in guest.headers
    assert "public" in guest.headers["Cache-Control"]


def test_a_replica_behind_by_more_than_the_threshold_is_left_for_the_primary(site):
    ashby, bryony = site.reader("ashby_reader"), site.reader("bryony_reader")
    marker = f"lagging-{uuid.uuid4().hex}"
    site.fresh_then_paused()
    try:
        assert site.comment(ashby, marker).status_code == 302
        health = site.wait_health("lagging", seconds=MAX_LAG + 20)
        assert health["replica"] == "lagging" and health["replica_lag"] > MAX_LAG
        assert health["status"] == "ok"
        # Bryony is not pinned, but the replica is too far behind: the primary.
        page = bryony.get(site.work_page, timeout=30)
        assert page.status_code == 200 and marker in page.text
    finally:
        site.pair.resume_replay()
    assert site.wait_health("up")["replica"] == "up"
    _assert_reads_on_replica(site)


def test_a_stopped_replica_costs_no_request_and_is_used_again_when_back(site):
    ashby, bryony = site.reader("ashby_reader"), site.reader("bryony_reader")
    assert bryony.get(site.work_page, timeout=30).status_code == 200  # a kept connection
    site.pair.stop_replica()
    try:
        pages = [site.work_page, f"{site.base}/works", f"{site.base}/",
                 f"{site.base}/users/bryony_reader", f"{site.base}/works/{site.work}"]
        for url in pages:
            for session in (bryony, requests.Session()):
                answer = session.get(url, timeout=30)
                assert answer.status_code == 200, (url, answer.status_code)
        marker = f"stopped-{uuid.uuid4().hex}"
        assert site.comment(ashby, marker).status_code == 302
        assert marker in bryony.get(site.work_page, timeout=30).text
        health = site.health()
        assert health["status"] == "ok" and health["replica"] == "down"
    finally:
        site.pair.start_replica()
    assert site.wait_health("up")["replica"] == "up"
    _assert_reads_on_replica(site)


def test_a_read_whose_replica_stops_under_it_is_answered_by_the_primary(pair, db):
    """The replica's backend itself (in this process, the suite's database
    as the primary): a query on a kept connection whose replica stopped, and
    a new connection the replica refuses, are both answered by the primary."""
    import environ
    from django.db import connection
    from django.db.utils import ConnectionHandler

    from chapterhouse.web.dbrouter import replica_state

    def replica_alias():
        settings_dict = {**environ.Env.db_url_config(pair.url("replica")),
                         "ENGINE": "chapterhouse.web.dbreplica",
                         # No check before use: the query itself meets the stop.
                         "CONN_HEALTH_CHECKS": False}
        # A handler of its own: this alias only, beside the suite's "default"
        # (the primary the backend falls back to).
        handler = ConnectionHandler({"default": {**connection.settings_dict},
                                     "replica": settings_dict})
        return handler["replica"]

    def in_recovery(alias) -> bool:
        with alias.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            return cursor.fetchone()[0]

    kept, fresh = replica_alias(), None
    try:
        assert in_recovery(kept) is True and not kept.fallback
        pair.stop_replica()
        assert in_recovery(kept) is False  # run again on the primary
        assert kept.fallback and replica_state.status == "down"
        fresh = replica_alias()
        assert in_recovery(fresh) is False  # refused: connected to the primary
        assert fresh.fallback
    finally:
        for alias in (kept, fresh):
            if alias is not None:
                alias.close()
        pair.start_replica()
        replica_state.reset()
