"""Writing a generated archive straight into the tables.

Rows go in without the ORM: SQLite through ``executemany`` in big
transactions, PostgreSQL through ``COPY`` (binary for the big all-integer
tables: work tags and filter tags). Columns this file does not fill get the
model field's default, so a new column with a default needs no change here;
one without a default stops the load with a message saying which.

``fast=True`` (the benchmark) also sets SQLite's ``synchronous=OFF``, drops
the tables' secondary indexes while it writes and builds them again after,
skips PostgreSQL's per-row foreign-key triggers when the role may, and
vacuums and analyses the PostgreSQL tables at the end (as autovacuum would
soon do; SQLite gets no statistics, as a site's file has none). Tests use
``fast=False`` inside their transaction.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction

from .generate import TYPE_NAMES, Archive, Bases

#: Every generated user's password, so any of them can log in.
PASSWORD = "chapterhouse-bench"
CHUNK = 200_000


def bases_from_db() -> Bases:
    """The largest ids in use, so a generated archive fits above them."""
    from chapterhouse.accounts.models import Pseud, User
    from chapterhouse.tags.models import Tag
    from chapterhouse.works.models import Work

    def top(model) -> int:
        return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return Bases(user=top(User), pseud=top(Pseud), tag=max(top(Tag), 3000), work=top(Work))


# Values as the tables store them ------------------------------------------------------


def _stamps(epoch_us: np.ndarray) -> list[str]:
    """Datetimes in UTC, as text both backends read ('YYYY-MM-DD HH:MM:SS.ffffff',
    with '+00:00' on PostgreSQL)."""
    text = np.datetime_as_string(np.asarray(epoch_us).astype("datetime64[us]"), unit="us")
    suffix = "+00:00" if connection.vendor == "postgresql" else ""
    return [value.replace("T", " ") + suffix for value in text.tolist()]


def _days(epoch_us: np.ndarray) -> list[str]:
    return np.datetime_as_string(np.asarray(epoch_us).astype("datetime64[us]").astype(
        "datetime64[D]")).tolist()


def _plain(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    if hasattr(value, "isoformat"):
        return _stamps(np.array([int(value.timestamp() * 1e6)]))[0]
    return value


def _columns(model, given: list[str]) -> tuple[list[str], tuple]:
    """``given`` and then each other column of ``model`` with its default value."""
    rest, values = [], []
    now = _stamps(np.array([time.time_ns() // 1000]))[0]
    for model_field in model._meta.concrete_fields:
        if model_field.column in given or model_field.primary_key:
            continue
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        elif model_field.has_default():
            value = _plain(model_field.get_default())
        elif model_field.null:
            value = None
        elif model_field.empty_strings_allowed:
            value = ""
        else:
            raise RuntimeError(
                f"The benchmark loader does not fill {model._meta.db_table}.{model_field.column}"
                " and it has no default: add it to bench/discovery/load.py."
            )
        rest.append(model_field.column)
        values.append(value)
    return given + rest, tuple(values)


# Writers ------------------------------------------------------------------------------------


class _Writer:
    def __init__(self, fast: bool) -> None:
        self.fast = fast
        self.dropped: list[tuple[str, str]] = []  # (table, SQL to build the index again)
        self.loaded: list = []  # models written, to analyse at the end

    def quote(self, name: str) -> str:
        return connection.ops.quote_name(name)

    def table(self, model, given: list[str], rows: Iterable[tuple]) -> int:
        columns, tail = _columns(model, given)
        table = model._meta.db_table
        self.before(table)
        return self.write(table, columns, (row + tail for row in rows))

    def integers(self, model, columns: list[str], arrays: list[np.ndarray]) -> int:
        """Rows of integer columns only (``arrays`` in ``columns``' order)."""
        table = model._meta.db_table
        self.before(table)
        written = 0
        for start in range(0, len(arrays[0]), 1_000_000):
            part = [a[start:start + 1_000_000] for a in arrays]
            written += self.write_integers(model, table, columns, part)
        return written

    def write_integers(self, model, table, columns, arrays) -> int:
        return self.write(table, columns, zip(*(a.tolist() for a in arrays), strict=True))

    def before(self, table: str) -> None:
        if self.fast:
            for name, sql in self.secondary_indexes(table):
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX {self.quote(name)}")
                self.dropped.append((table, sql))

    def finish(self, models_with_ids) -> None:
        for _table, sql in self.dropped:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        self.dropped = []
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models_with_ids):
                cursor.execute(sql)


class _SqliteWriter(_Writer):
    def __init__(self, fast: bool) -> None:
        super().__init__(fast)
        connection.ensure_connection()
        if fast and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA cache_size=-400000")

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL", [table],
            )
            return list(cursor.fetchall())

    def write(self, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
        names = ", ".join(self.quote(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {self.quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
        raw = connection.connection
        written = 0
        rows = iter(rows)
        while True:
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if not chunk:
                return written
            with transaction.atomic():
                raw.executemany(sql, chunk)
            written += len(chunk)

    def finish(self, models_with_ids) -> None:
        super().finish(models_with_ids)
        if self.fast:
            # No ANALYZE: a site's SQLite file never has statistics either, and
            # with them SQLite plans some IN-list joins far worse.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=NORMAL")


_BINARY = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8"}


class _PostgresWriter(_Writer):
    def __init__(self, fast: bool) -> None:
        super().__init__(fast)
        self.replica = False
        if fast and not connection.in_atomic_block:
            try:
                with connection.cursor() as cursor:
                    # Skips the per-row foreign-key triggers; needs a superuser.
                    cursor.execute("SET session_replication_role = replica")
                self.replica = True
            except Exception:  # noqa: BLE001 - an ordinary role loads with the triggers on
                self.replica = False

    def secondary_indexes(self, table: str) -> list[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [table],
            )
            return list(cursor.fetchall())

    def write(self, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
        names = ", ".join(self.quote(c) for c in columns)
        written = 0
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(
            f"COPY {self.quote(table)} ({names}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written

    def write_integers(self, model, table, columns, arrays) -> int:
        by_column = {f.column: f for f in model._meta.concrete_fields}
        formats = [_BINARY[by_column[c].db_type(connection).split()[0]] for c in columns]
        layout = [("count", ">i2")]
        for i, fmt in enumerate(formats):
            layout += [(f"size{i}", ">i4"), (f"value{i}", fmt)]
        records = np.empty(len(arrays[0]), dtype=layout)
        records["count"] = len(columns)
        for i, (fmt, values) in enumerate(zip(formats, arrays, strict=True)):
            records[f"size{i}"] = int(fmt[-1])
            records[f"value{i}"] = values
        names = ", ".join(self.quote(c) for c in columns)
        with transaction.atomic(), connection.cursor() as cursor, cursor.copy(
            f"COPY {self.quote(table)} ({names}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
            copy.write(records.tobytes())
            copy.write(struct.pack(">h", -1))
        return len(records)

    def finish(self, models_with_ids) -> None:
        super().finish(models_with_ids)
        if self.replica:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
        if self.fast and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                for model in self.loaded:
                    cursor.execute(f"VACUUM (ANALYZE) {self.quote(model._meta.db_table)}")



# The load ---------------------------------------------------------------------------------


def load(archive: Archive, *, fast: bool = False,
         progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Write ``archive`` into the database; returns the seconds each part took."""
    from chapterhouse.accounts.models import Preference, Profile, Pseud, User
    from chapterhouse.tags.models import MetaTagging, Tag, TagParent, TagType, WorkFilterTag
    from chapterhouse.works.models import Chapter, Creatorship, Work, WorkTag

    if tuple(str(TagType(name)) for name in TYPE_NAMES) != TYPE_NAMES:
        raise RuntimeError("generate.TYPE_NAMES no longer match tags.models.TagType")
    say = progress or (lambda message: None)
    writer = _SqliteWriter(fast) if connection.vendor == "sqlite" else _PostgresWriter(fast)
    writer.loaded = [User, Profile, Preference, Pseud, Tag, TagParent, MetaTagging, Work,
                     Chapter, Creatorship, WorkTag, WorkFilterTag]
    timings: dict[str, float] = {}
    a = archive
    n = a.works

    def timed(name: str, action) -> None:
        started = time.perf_counter()
        count = action()
        timings[name] = time.perf_counter() - started
        say(f"  {name}: {count:,} rows in {timings[name]:.1f} s")

    # People.
    password = make_password(PASSWORD)
    joined = _stamps(a.user_joined)
    timed("users", lambda: writer.table(
        User, ["id", "username", "password", "email", "date_joined", "is_active"],
        ((int(a.user_id(i)), name, password, f"{name.lower()}@example.invalid", joined[i], True)
         for i, name in enumerate(a.usernames)),
    ))
    timed("profiles", lambda: writer.table(
        Profile, ["user_id"], ((int(a.user_id(i)),) for i in range(a.users))))
    timed("preferences", lambda: writer.table(
        Preference, ["user_id"], ((int(a.user_id(i)),) for i in range(a.users))))
    users = a.users
    timed("pseuds", lambda: writer.table(
        Pseud, ["id", "user_id", "name", "is_default", "created_at"],
        ((int(a.pseud_id(i)), int(a.user_id(int(u))), a.pseud_names[i], i < users,
          joined[int(u)]) for i, u in enumerate(a.pseud_user.tolist())),
    ))

    # Tags and their wrangling.
    tag_stamp = _stamps(np.array([a.user_joined.min()]))[0]
    timed("tags", lambda: writer.table(
        Tag, ["id", "name", "type", "canonical", "merger_id", "use_count", "created_at",
              "updated_at"],
        ((int(a.tag_id(i)), name, TYPE_NAMES[kind], canonical, merger or None, uses,
          tag_stamp, tag_stamp)
         for i, (name, kind, canonical, merger, uses) in enumerate(zip(
             a.tag_names, a.tag_type.tolist(), a.tag_canonical.tolist(),
             a.tag_merger.tolist(), a.tag_use_count.tolist(), strict=True))),
    ))
    timed("tag parents", lambda: writer.integers(
        TagParent, ["child_id", "parent_id"], list(a.parent_links)))
    timed("metatags", lambda: writer.integers(
        MetaTagging, ["meta_id", "sub_id"], list(a.meta_links)))

    # Works, block by block with their texts.
    created, revised = _stamps(a.created), _stamps(a.revised)
    published = _days(a.created)
    languages = a.languages
    work_columns = ["id", "title", "summary", "language", "expected_chapters", "complete",
                    "restricted", "posted", "published_on", "revised_at", "hidden_by_admin",
                    "word_count", "posted_chapter_count", "hit_count", "kudos_count",
                    "comment_count", "bookmark_count", "created_at", "updated_at"]
    has_anonymous = any(f.column == "anonymous" for f in Work._meta.concrete_fields)
    if has_anonymous:
        work_columns.append("anonymous")
    chapter_texts: dict[int, str] = {}

    def work_rows():
        columns = [x.tolist() for x in (
            a.expected_chapters, a.complete, a.restricted, a.posted, a.hidden, a.words,
            a.chapters, a.hits, a.kudos, a.comments, a.bookmarks, a.language, a.anonymous)]
        (expected, complete, restricted, posted, hidden, words, chapters, hits, kudos,
         comments, bookmarks, language, anonymous) = columns
        for block in range(a.blocks()):
            texts = a.texts(block)
            chapter_texts.update(texts.chapter_texts)
            for offset, (title, summary) in enumerate(zip(texts.titles, texts.summaries,
                                                           strict=True)):
                i = texts.start + offset
                live = posted[i]
                row = (
                    int(a.work_id(i)), title, summary, languages[language[i]],
                    expected[i] or None, complete[i], restricted[i], live,
                    published[i] if live else None, revised[i] if live else None, hidden[i],
                    words[i], chapters[i] if live else 0,
                    hits[i] if live else 0, kudos[i] if live else 0,
                    comments[i] if live else 0, bookmarks[i] if live else 0,
                    created[i], revised[i],
                )
                yield row + (anonymous[i],) if has_anonymous else row

    timed("works", lambda: writer.table(Work, work_columns, work_rows()))

    def chapter_rows():
        words, chapters, posted = a.words.tolist(), a.chapters.tolist(), a.posted.tolist()
        for i in range(n):
            live = posted[i]
            yield (int(a.work_id(i)), 1, chapter_texts.get(i, ""), words[i] // chapters[i],
                   live, published[i] if live else None, created[i], revised[i])

    timed("chapters", lambda: writer.table(
        Chapter, ["work_id", "position", "content", "word_count", "posted", "published_on",
                  "created_at", "updated_at"], chapter_rows()))

    def creatorship_rows():
        main, co = a.creator_pseud.tolist(), a.co_creator_pseud.tolist()
        for i in range(n):
            yield (int(a.work_id(i)), main[i], True, 0, created[i])
            if co[i]:
                yield (int(a.work_id(i)), co[i], True, 1, created[i])

    timed("creatorships", lambda: writer.table(
        Creatorship, ["work_id", "pseud_id", "accepted", "position", "created_at"],
        creatorship_rows()))

    direct_ids = a.work_id(a.direct_work.astype(np.int64))
    counts = np.bincount(a.direct_work, minlength=n)
    positions = (np.arange(len(a.direct_work)) - np.repeat(np.cumsum(counts) - counts, counts))
    timed("work tags", lambda: writer.integers(
        WorkTag, ["work_id", "tag_id", "position"], [direct_ids, a.direct_tag, positions]))
    timed("filter tags", lambda: writer.integers(
        WorkFilterTag, ["work_id", "tag_id"],
        [a.work_id(a.filter_work.astype(np.int64)), a.filter_tag]))

    started = time.perf_counter()
    writer.finish([User, Pseud, Tag, Work])
    timings["indexes and analyse"] = time.perf_counter() - started
    say(f"  indexes and analyse: {timings['indexes and analyse']:.1f} s")
    return timings


def build_index(progress: Callable[[str], None] | None = None) -> float | None:
    """Build the search index from the database (``engine.index.rebuild``);
    the seconds it took, or None when the engine has no ``rebuild`` yet."""
    say = progress or (lambda message: None)
    try:
        from chapterhouse.discovery.engine.index import rebuild, reset_index
    except ImportError as error:
        say(f"  search index: not built ({error}); the engine's rebuild() is missing")
        return None
    started = time.perf_counter()
    step = {"next": 0}

    def report(done: int) -> None:
        if done >= step["next"]:
            say(f"  search index: {done:,} works")
            step["next"] = done + 100_000

    rebuild(progress=report)
    reset_index()
    return time.perf_counter() - started


__all__ = ["PASSWORD", "bases_from_db", "build_index", "load"]
