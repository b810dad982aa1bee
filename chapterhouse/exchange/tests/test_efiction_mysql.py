"""The same archive read from a live MariaDB/MySQL database (CI has MariaDB)."""

import os
import socket
import uuid
from pathlib import Path

import pytest

from chapterhouse.exchange.importing.efiction.importer import archive_import
from chapterhouse.exchange.importing.efiction.source import MySQLSource

from .test_efiction_import import ARCHIVE, SAMPLE, assert_sample_counts

HOST = os.environ.get("EFICTION_TEST_MYSQL_HOST", "127.0.0.1")
PORT = int(os.environ.get("EFICTION_TEST_MYSQL_PORT", "3306"))
USER = os.environ.get("EFICTION_TEST_MYSQL_USER", "root")
PASSWORD = os.environ.get("EFICTION_TEST_MYSQL_PASSWORD", "")


def _answers() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _answers(), reason=f"no MySQL/MariaDB server answers at {HOST}:{PORT}"
)


def _load(connection, path: Path) -> None:
    """Run the dump's statements one by one, as the mysql client would."""
    from chapterhouse.exchange.importing.efiction.dump import _TOKEN_RE

    text = path.read_text(encoding="utf-8")
    statement, pieces = [], []
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "comment":
            continue
        if kind == "semi":
            pieces.append("".join(statement).strip())
            statement = []
        else:
            statement.append(match.group())
    with connection.cursor() as cursor:
        for sql in pieces:
            if sql:
                cursor.execute(sql)
    connection.commit()


@pytest.fixture
def mysql_archive():
    import pymysql

    name = f"chx_efiction_{uuid.uuid4().hex[:10]}"
    admin = pymysql.connect(host=HOST, port=PORT, user=USER, password=PASSWORD,
                            charset="utf8mb4", autocommit=True)
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        loader = pymysql.connect(host=HOST, port=PORT, user=USER, password=PASSWORD,
                                 database=name, charset="utf8mb4")
        try:
            _load(loader, SAMPLE)
        finally:
            loader.close()
        auth = f"{USER}:{PASSWORD}" if PASSWORD else USER
        yield f"mysql://{auth}@{HOST}:{PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.mark.django_db
def test_a_live_database_imports_the_same_as_its_dump(mysql_archive):
    source = MySQLSource(mysql_archive)
    try:
        assert source.prefix == "fanfiction_"
        result = archive_import(source=source, archive=ARCHIVE)
    finally:
        source.close()
    assert result.summary() == "Imported 4 authors, 6 stories (9 chapters), 2 series, 7 reviews."
    assert_sample_counts()
    from chapterhouse.works.models import Work

    door = Work.objects.get(title="Under the Meridian").chapters.get(position=1).content
    assert "Ünïcödé — 日本語 — ½" in door and "C:\\Meridian\\Doors" in door
    assert "<script" not in door
