"""Where an eFiction archive's tables come from: a dump file or a live database.

Both sources answer ``rows("stories")`` with the rows of the table
``<prefix>stories`` as dictionaries, so the importer does not care which it
reads. The table prefix (``fanfiction_`` by default in eFiction, but each
site chooses its own) is found by looking for a ``…stories`` table that has
``…authors`` and ``…chapters`` beside it, or given explicitly.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..parsed import ImportProblem
from .dump import decode_dump, read_dump

#: The tables the importer reads, without their prefix.
TABLES = (
    "authors", "stories", "chapters", "series", "inseries", "categories", "characters",
    "ratings", "reviews", "classes", "classtypes", "coauthors",
)
#: Without these there is no archive to import.
REQUIRED = ("authors", "stories", "chapters")


def detect_prefix(names: list[str]) -> str:
    """The prefix of the eFiction tables among ``names``."""
    lowered = {n.lower(): n for n in names}
    found = []
    for name in lowered:
        if name.endswith("stories"):
            prefix = name[: -len("stories")]
            if all(prefix + other in lowered for other in REQUIRED):
                found.append(prefix)
    if not found:
        raise ImportProblem(
            "This is not an eFiction archive: it has no stories, authors and chapters "
            "tables (e.g. fanfiction_stories)."
        )
    if "fanfiction_" in found:
        return "fanfiction_"
    return sorted(found, key=len)[0]


class ArchiveSource:
    """What the importer reads. Subclasses fill ``_names`` and ``_fetch``."""

    description = "an eFiction archive"

    def __init__(self, prefix: str | None = None):
        self._prefix = prefix
        self._cache: dict[str, list[dict]] = {}

    def _names(self) -> list[str]:
        raise NotImplementedError

    def _fetch(self, table: str) -> list[dict]:
        raise NotImplementedError

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = detect_prefix(self._names())
        return self._prefix

    def has(self, table: str) -> bool:
        wanted = (self.prefix + table).lower()
        return any(name.lower() == wanted for name in self._names())

    def rows(self, table: str) -> list[dict]:
        """The rows of ``<prefix><table>``; an empty list when the table is missing."""
        if table not in self._cache:
            self._cache[table] = self._fetch(self.prefix + table) if self.has(table) else []
        return self._cache[table]

    def close(self) -> None:
        pass


class DumpSource(ArchiveSource):
    """Tables read from a mysqldump-style ``.sql`` file (or its text)."""

    def __init__(self, path: str | Path | None = None, *, text: str | None = None,
                 prefix: str | None = None):
        super().__init__(prefix)
        if text is None:
            if path is None:
                raise ValueError("Give the dump's path or its text.")
            try:
                text = decode_dump(Path(path).read_bytes())
            except OSError as error:
                raise ImportProblem(f"Cannot read {path}: {error.strerror}.") from error
        self.description = f"the dump {Path(path).name}" if path else "the dump"
        tables = read_dump(text, wanted=self._wanted)
        self._tables = {name.lower(): table for name, table in tables.items()}

    @staticmethod
    def _wanted(name: str) -> bool:
        lowered = name.lower()
        return any(lowered.endswith(table) for table in TABLES)

    def _names(self) -> list[str]:
        return list(self._tables)

    def _fetch(self, table: str) -> list[dict]:
        return self._tables[table.lower()].rows


class MySQLSource(ArchiveSource):
    """Tables read from a live MySQL or MariaDB database via PyMySQL.

    ``url`` looks like ``mysql://user:password@host:3306/database``.
    """

    def __init__(self, url: str, *, prefix: str | None = None):
        super().__init__(prefix)
        import pymysql

        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
            raise ImportProblem(
                "Give the database as mysql://user:password@host:3306/database."
            )
        database = unquote(parts.path.strip("/"))
        self.description = f"the database {database} on {parts.hostname or 'localhost'}"
        try:
            self._connection = pymysql.connect(
                host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                user=unquote(parts.username or "root"), password=unquote(parts.password or ""),
                database=database, charset="utf8mb4",
                cursorclass=pymysql.cursors.DictCursor,
            )
        except pymysql.MySQLError as error:
            raise ImportProblem(f"Cannot connect to {self.description}: {error}") from error
        with self._connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            self._table_names = [next(iter(row.values())) for row in cursor.fetchall()]

    def _names(self) -> list[str]:
        return list(self._table_names)

    def _fetch(self, table: str) -> list[dict]:
        name = next(n for n in self._table_names if n.lower() == table.lower())
        with self._connection.cursor() as cursor:
            # The name is one SHOW TABLES returned, quoted as an identifier.
            cursor.execute(f"SELECT * FROM `{name.replace('`', '``')}`")  # noqa: S608
            return list(cursor.fetchall())

    def close(self) -> None:
        self._connection.close()
