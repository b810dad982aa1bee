"""``chapterhouse backup`` and ``chapterhouse restore``, round trip on the
suite's database (SQLite in one run, PostgreSQL in the other).

The archive is written from the test database in this process; it is restored
by the real command, in a process of its own, into a scratch database (a
SQLite file, or a PostgreSQL database created beside the test one and dropped
afterwards), and every row of every table is compared, all columns.
"""

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from chapterhouse import backup
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import AuditEntry
from chapterhouse.responses.models import Bookmark, Comment, Kudos, Subscription
from chapterhouse.works.models import ChapterRevision, WorkRevision
from chapterhouse.works.tests.factories import WorkFactory

ENTRY = [sys.executable, "-m", "chapterhouse.cli"]
#: The rows must be committed for pg_dump, and the restore runs in another process.
committed = pytest.mark.django_db(transaction=True)


def _vendor() -> str:
    return "sqlite" if connection.vendor == "sqlite" else "postgresql"


def _pg_connect(name: str):
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"] or None,
        password=s["PASSWORD"] or None, dbname=name, autocommit=True,
    )


class Target:
    """An empty database for the restore, and the environment that points
    the command at it."""

    def __init__(self, tmp_path: Path) -> None:
        self.var_dir = tmp_path / "restored-var"
        if _vendor() == "sqlite":
            self.name = str(tmp_path / "restored.sqlite3")
            self.url = f"sqlite:///{self.name}"
        else:
            s = connection.settings_dict
            self.name = f"{s['NAME']}_restored"
            with _pg_connect("postgres") as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{self.name}"')
            auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{self.name}"

    def drop(self) -> None:
        if _vendor() == "postgresql":
            with _pg_connect("postgres") as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def run(self, *args: str) -> subprocess.CompletedProcess:
        import os

        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "MEDIA_ROOT")}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env["DATABASE_URL"] = self.url
        env["CHAPTERHOUSE_VAR_DIR"] = str(self.var_dir)
        return subprocess.run([*ENTRY, *args], env=env, capture_output=True, text=True,
                              timeout=120, stdin=subprocess.DEVNULL)

    def connect(self):
        if _vendor() == "sqlite":
            return sqlite3.connect(self.name)
        return _pg_connect(self.name)


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.drop()


def _source_connect():
    if _vendor() == "sqlite":
        name = connection.settings_dict["NAME"]
        return sqlite3.connect(name, uri=str(name).startswith("file:"))
    return _pg_connect(connection.settings_dict["NAME"])


def _tables(conn) -> list[str]:
    if isinstance(conn, sqlite3.Connection):
        query = "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return sorted(row[0] for row in conn.execute(query).fetchall())


def _rows(conn, table: str) -> list[tuple]:
    """Every row of the table, all columns, in a fixed order."""
    rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
    return sorted((tuple(row) for row in rows), key=repr)


def _everything(conn) -> dict[str, list[tuple]]:
    with conn:
        return {table: _rows(conn, table) for table in _tables(conn)}


@pytest.fixture
def archive_content(settings, tmp_path):
    """A small archive: accounts, works with chapters, revisions, comments,
    kudos, bookmarks, subscriptions, an audit entry, and an uploaded icon."""
    settings.MEDIA_ROOT = tmp_path / "media"
    icon = settings.MEDIA_ROOT / "icons" / "pseuds" / "1" / "1.png"
    icon.parent.mkdir(parents=True)
    icon.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    writer, reader = UserFactory(username="ysolde"), UserFactory(username="perrin")
    work = WorkFactory(creator=writer, title="Salt and Ember", chapters=3)
    other = WorkFactory(creator=reader, title="Night Ferry")
    chapter = work.chapters.get(position=1)
    ChapterRevision.objects.create(chapter=chapter, content="<p>First draft.</p>",
                                   word_count=2, editor=writer, reason="edit")
    WorkRevision.objects.create(work=work, title="Salt & Ember", editor=writer, reason="edit")
    first = Comment.objects.create(work=work, chapter=chapter, user=reader,
                                   pseud=reader.pseuds.get(), content="<p>Lovely — ünïcode ✓</p>")
    Comment.objects.create(work=work, chapter=chapter, parent=first, thread=first, depth=1,
                           user=writer, pseud=writer.pseuds.get(), content="<p>Thank you!</p>")
    Comment.objects.create(work=other, guest_name="A guest", guest_email="g@example.org",
                           guest_ip="203.0.113.9", content="<p>From outside.</p>")
    Kudos.objects.create(work=work, user=reader)
    Kudos.objects.create(work=work, guest_ip="203.0.113.9")
    Bookmark.objects.create(user=reader, pseud=reader.pseuds.get(), work=work,
                            notes="<p>Reread in winter.</p>", rec=True)
    Subscription.objects.create(user=reader, work=work)
    Subscription.objects.create(user=writer, creator=reader)
    AuditEntry.objects.create(actor=writer, actor_name=writer.username, action="work.hide",
                              target_type="work", target_id=other.pk,
                              before={"hidden": False}, after={"hidden": True}, reason="test")
    return {"icon": icon}


NAMED_MODELS = ("User", Comment, Kudos, Bookmark, Subscription, AuditEntry, ChapterRevision,
                WorkRevision)


@committed
def test_round_trip_restores_every_row_and_the_media(archive_content, target, tmp_path):
    from django.contrib.auth import get_user_model

    from chapterhouse.works.models import Chapter, Work

    archive = tmp_path / "site.tar"
    manifest = backup.backup_create(archive)
    assert manifest["database"]["vendor"] == _vendor()
    assert "media/icons/pseuds/1/1.png" in manifest["files"]

    restored = target.run("restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "Search index rebuilt" in restored.stdout
    assert (target.var_dir / "search" / "current").exists()
    assert (target.var_dir / "media" / "icons" / "pseuds" / "1" / "1.png").read_bytes() == (
        archive_content["icon"].read_bytes()
    )

    source, copy = _everything(_source_connect()), _everything(target.connect())
    named = [get_user_model(), Work, Chapter, *NAMED_MODELS[1:]]
    for model in named:  # the archive's own rows are really there to compare
        assert source[model._meta.db_table], model.__name__
    assert sorted(copy) == sorted(source)
    for table in source:
        assert copy[table] == source[table], table


@committed
def test_restore_refuses_a_database_with_content_unless_forced(archive_content, target,
                                                               tmp_path):
    archive = tmp_path / "site.tar"
    backup.backup_create(archive)
    assert target.run("restore", "--quiet", str(archive)).returncode == 0
    table = AuditEntry._meta.db_table
    with target.connect() as conn:
        conn.execute(f"UPDATE {table} SET reason = 'changed after the backup'")  # noqa: S608

    refused = target.run("restore", str(archive))
    assert refused.returncode == 2
    assert "already holds accounts or works" in refused.stderr
    assert "--force" in refused.stderr
    with target.connect() as conn:
        reasons = [r[0] for r in conn.execute(f"SELECT reason FROM {table}").fetchall()]  # noqa: S608
    assert reasons == ["changed after the backup"]

    forced = target.run("restore", "--force", "--quiet", str(archive))
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == ""
    with target.connect() as conn:
        reasons = [r[0] for r in conn.execute(f"SELECT reason FROM {table}").fetchall()]  # noqa: S608
    assert reasons == ["test"]

    # And backup will not overwrite an existing file without --force.
    again = target.run("backup", str(archive))
    assert again.returncode == 2
    assert "already exists" in again.stderr
    with pytest.raises(backup.BackupError, match="already exists"):
        backup.backup_create(archive)
    backup.backup_create(archive, force=True)
    assert backup.archive_check(archive)["tables"][table] == 1


@committed
def test_a_damaged_or_foreign_file_is_refused_and_changes_nothing(archive_content, target,
                                                                  tmp_path):
    archive = tmp_path / "site.tar"
    backup.backup_create(archive)
    data = bytearray(archive.read_bytes())
    data[5000] ^= 0xFF  # inside the database member
    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(bytes(data))
    foreign = tmp_path / "notes.tar"
    foreign.write_text("not an archive at all\n" * 100)

    for path, message in ((damaged, "is damaged: database."), (foreign, "is not a Chapterhouse")):
        with pytest.raises(backup.BackupError, match=message):
            backup.archive_check(path)
        refused = target.run("restore", str(path))
        assert refused.returncode == 2
        assert message in refused.stderr
    with target.connect() as conn:
        assert _tables(conn) == []  # nothing was restored, nothing migrated
    assert not (target.var_dir / "media").exists()


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@committed
def test_progress_is_drawn_on_a_terminal_and_quiet_prints_nothing(archive_content, tmp_path,
                                                                  capsys):
    terminal = _Terminal()
    backup.backup_create(tmp_path / "a.tar", progress=backup.Progress(stream=terminal))
    counted = r"(\d+) of \1 pages copied" if _vendor() == "sqlite" else r"(\d+) of \1 tables dumped"
    assert re.search(counted, terminal.text)
    assert re.search(r"[\d.]+ [kM]?B of [\d.]+ [kM]?B written", terminal.text)
    assert "Backup written:" in capsys.readouterr().out

    quiet = _Terminal()
    backup.backup_create(tmp_path / "b.tar", progress=backup.Progress(quiet=True, stream=quiet))
    assert quiet.text == ""
    assert capsys.readouterr().out == ""


@committed
def test_a_full_disk_stops_the_backup_and_leaves_no_file(archive_content, tmp_path,
                                                         monkeypatch):
    import errno

    def full(self, size=-1):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backup._HashingReader, "read", full)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(backup.BackupError, match="is full; nothing was kept"):
        backup.backup_create(out / "site.tar")
    assert list(out.iterdir()) == []


def test_a_missing_pg_client_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="pg_dump was not found.*postgresql-client-99"):
        backup._pg_tool("pg_dump", 990004)
