"""Inserting many plain rows in one statement, without building a model
instance for each (``bulk_create`` builds, checks and converts one per row,
which is most of its cost for a join table's few integer columns)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

#: Rows per INSERT: far below SQLite's limit on parameters for a few columns.
CHUNK = 1000


def rows_insert(model, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert ``rows`` (tuples of plain values in the order of ``columns``,
    field names or attnames such as ``work_id``) into ``model``'s table. Like
    ``bulk_create``, it sends no signal; the columns left out take their
    database defaults (the id). For values the database takes as they are
    (integers, text)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(chunk))}",  # noqa: S608
                [value for row in chunk for value in row],
            )
