"""The worker killed with SIGKILL beside a real ``chapterhouse serve``: serve
starts it again, the task it was running runs again once its lease has run
out, and the comment's notification mail leaves exactly once."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from chapterhouse.web.realservers import alive, children_of, worker_pid
from tests.test_cli import ENTRY, ROOT, free_port, wait_for

MARKER = "lighthouse-7f3a-marker"


def _pg_connect(name: str):
    import psycopg

    s = settings.DATABASES["default"]
    return psycopg.connect(
        host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
        password=s["PASSWORD"] or None, dbname=name, autocommit=True,
    )


@pytest.fixture
def site_env(tmp_path):
    """The environment of a fresh site: its own var dir and its own database
    (a SQLite file, or a PostgreSQL database in the PostgreSQL run)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_URL")}
    env["CHAPTERHOUSE_VAR_DIR"] = str(tmp_path / "var")
    env["CHAPTERHOUSE_TASK_LEASE"] = "2"
    env["PYTHONPATH"] = str(ROOT)
    s = settings.DATABASES["default"]
    name = None
    if "postgresql" in s["ENGINE"]:
        name = f"{s['NAME']}_worker"
        with _pg_connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        env["DATABASE_URL"] = f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{name}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    yield env
    if name:
        with _pg_connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(env: dict, sql: str) -> list[tuple]:
    """Read the site's database directly (quicker than starting a command)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as db:
            return db.execute(sql).fetchall()
    with _pg_connect(url.rsplit("/", 1)[-1]) as db:
        return db.execute(sql).fetchall()


def wait_until(read, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = read()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("waited in vain")


def shell(env: dict, cwd: Path, code: str) -> str:
    done = subprocess.run([*ENTRY, "manage", "shell", "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


#: A creator, a reader and a work; the reader's comment; and, in the comment's
#: transaction (as a crash would leave it), a task that the killed worker had
#: taken: RUNNING under the dead worker's id.
COMMENT = """
from django.db import transaction
from django_tasks_db.models import DBTaskResult
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Notification
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.responses.services.mail import mail_send_task
from chapterhouse.works.tests.factories import WorkFactory
work = WorkFactory(creator=UserFactory(username="wren_writer"), title="The Salt Road")
with transaction.atomic():
    comment = comment_create(work=work, viewer=UserFactory(username="ashby_reader"),
                             content="<p>{marker}</p>")
    note = Notification.objects.get(payload__comment_id=comment.pk)
    mail_send_task.enqueue(note.pk)
    task = DBTaskResult.objects.get()
    task.claim("{dead}")
print(task.pk)
"""


def test_a_worker_killed_mid_task_is_restarted_and_the_mail_leaves_once(tmp_path, site_env):
    log = tmp_path / "serve.log"
    port = free_port()
    with log.open("w") as out:
        serve = subprocess.Popen(
            [*ENTRY, "serve", "--port", str(port), "--workers", "1"],
            cwd=tmp_path, env=site_env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(f"http://127.0.0.1:{port}/health", serve).status_code == 200
        first = worker_pid(serve)
        (dead,), = wait_until(lambda: query(
            site_env, f"SELECT worker_id FROM responses_workerlease "
                      f"WHERE worker_id LIKE '%-{first}-%'"))
        os.kill(first, signal.SIGKILL)
        task = shell(site_env, tmp_path, COMMENT.format(dead=dead, marker=MARKER))
        status = "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        done, worker_ids = wait_until(
            lambda: [row for row in query(site_env, status) if row[0] == "SUCCESSFUL"])[0]
        if isinstance(worker_ids, str):
            worker_ids = json.loads(worker_ids)
        assert task and worker_ids[0] == dead and len(worker_ids) == 2
        second = worker_pid(serve)
        assert second != first
        assert "starting it again" in log.read_text()
        mail_dir = Path(site_env["CHAPTERHOUSE_VAR_DIR"]) / "mail"
        time.sleep(1.5)  # room for a second copy, were one to be sent
        sent = [p for p in mail_dir.iterdir() if MARKER in p.read_text()]
        assert len(sent) == 1
        assert "To: wren_writer@example.org" in sent[0].read_text()
        web = [pid for pid, args in children_of(serve.pid).items() if "gunicorn" in args]
        assert web
    finally:
        serve.terminate()
        serve.wait(timeout=40)
    assert not alive(second) and not any(alive(pid) for pid in web)


def test_serve_stops_when_its_web_server_cannot_start(tmp_path, site_env):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([*ENTRY, "serve", "--port", str(port), "--workers", "1"],
                              cwd=tmp_path, env=site_env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode != 0
    assert "could not start" in done.stderr
