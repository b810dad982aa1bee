"""The plain approach: what a typical Django site on PostgreSQL alone would do.

One denormalised table, ``bench_work``, filled from the loaded data: each
posted work's effective filter tag ids as an ``int[]`` with a GIN index, its
rating, language, counters and dates with b-tree indexes on the sort columns,
and a ``tsvector`` (title, summary, notes, tag names, creator names) with a GIN
index. ``answer`` turns the same ``WorkQuery`` the engine gets into SQL, as a
guest sees it:

- the count and the page are two queries (``count(*) OVER ()`` with
  ``ORDER BY … LIMIT`` would walk the whole sort index: BENCH.md's trap);
- facets are ``unnest(tag_ids)`` + ``GROUP BY`` over the matched set, with
  the top 10 of each tag type picked by a window function.

Crossover here is "more than one of the work's fandom filter tags has no
metatag among the work's tags": close to the engine's definition, and none of
the benchmark's queries filters on it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection

from chapterhouse.discovery.query import WorkQuery

TABLE = "bench_work"
PER_PAGE = 20

#: WorkQuery sort columns → bench_work columns.
SORTS = {
    "revised_at": "revised",
    "created_at": "published",
    "word_count": "words",
    "hits": "hits",
    "kudos_count": "kudos",
    "comments_count": "comments",
    "bookmarks_count": "bookmarks",
}
#: Tag types → FACET_GROUPS keys.
GROUP_OF_TYPE = {
    "Rating": "rating",
    "ArchiveWarning": "archive_warning",
    "Category": "category",
    "Fandom": "fandom",
    "Character": "character",
    "Relationship": "relationship",
    "Freeform": "freeform",
    "UnsortedTag": "freeform",
}
RATING_IDS = (9, 10, 11, 12, 13)


@dataclass
class Answer:
    total: int
    page: int
    work_ids: list[int]
    facets: dict[str, list[tuple[int, int]]]  # group → [(tag_id, count)], top 10


def _has_column(table: str, column: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s "
            "AND column_name = %s", [table, column],
        )
        return cursor.fetchone() is not None


def build() -> float:
    """(Re)create ``bench_work`` from the loaded tables; the seconds it took."""
    started = time.perf_counter()
    anonymous = "w.anonymous" if _has_column("works_work", "anonymous") else "false"
    ratings = ", ".join(str(r) for r in RATING_IDS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute("SET LOCAL work_mem = '256MB'" if connection.in_atomic_block
                       else "SET work_mem = '256MB'")
        # Built from constants and the model's table names only.
        cursor.execute(f"""
            CREATE TABLE {TABLE} AS
            WITH tags AS (
                SELECT f.work_id, array_agg(f.tag_id::int ORDER BY f.tag_id) AS tag_ids
                FROM tags_workfiltertag f GROUP BY f.work_id
            ), names AS (
                SELECT x.work_id, string_agg(x.name, ' ') AS names FROM (
                    SELECT wt.work_id, t.name FROM works_worktag wt
                    JOIN tags_tag t ON t.id = wt.tag_id
                    UNION
                    SELECT f.work_id, t.name FROM tags_workfiltertag f
                    JOIN tags_tag t ON t.id = f.tag_id
                ) x GROUP BY x.work_id
            ), creators AS (
                SELECT c.work_id, string_agg(p.name || ' ' || u.username, ' ') AS names
                FROM works_creatorship c
                JOIN accounts_pseud p ON p.id = c.pseud_id
                JOIN accounts_user u ON u.id = p.user_id
                WHERE c.accepted GROUP BY c.work_id
            )
            SELECT
                w.id,
                coalesce(tags.tag_ids, '{{}}'::int[]) AS tag_ids,
                (SELECT min(t) FROM unnest(tags.tag_ids) t WHERE t IN ({ratings})) AS rating,
                w.language,
                w.word_count AS words,
                w.hit_count AS hits,
                w.kudos_count AS kudos,
                w.comment_count AS comments,
                w.bookmark_count AS bookmarks,
                w.complete,
                (SELECT count(*) FROM unnest(tags.tag_ids) t
                 JOIN tags_tag g ON g.id = t AND g.type = 'Fandom'
                 WHERE NOT EXISTS (
                     SELECT 1 FROM tags_metatagging m
                     WHERE m.sub_id = t AND m.meta_id = ANY(tags.tag_ids))) > 1 AS crossover,
                coalesce(w.revised_at, w.created_at) AS revised,
                w.published_on AS published,
                w.restricted,
                w.hidden_by_admin AS hidden,
                setweight(to_tsvector('english', w.title), 'A')
                || to_tsvector('english', regexp_replace(
                       w.summary || ' ' || w.notes || ' ' || w.endnotes, '<[^>]+>', ' ', 'g'))
                || to_tsvector('english', coalesce(names.names, ''))
                || to_tsvector('simple', CASE WHEN {anonymous} THEN ''
                                         ELSE coalesce(creators.names, '') END) AS tsv
            FROM works_work w
            LEFT JOIN tags ON tags.work_id = w.id
            LEFT JOIN names ON names.work_id = w.id
            LEFT JOIN creators ON creators.work_id = w.id
            WHERE w.posted
        """)  # noqa: S608
        cursor.execute(f"ALTER TABLE {TABLE} ADD PRIMARY KEY (id)")
        cursor.execute(f"CREATE INDEX {TABLE}_tags ON {TABLE} USING gin (tag_ids)")
        cursor.execute(f"CREATE INDEX {TABLE}_tsv ON {TABLE} USING gin (tsv)")
        for column in ("revised", "published", "words", "hits", "kudos", "comments",
                       "bookmarks"):
            cursor.execute(
                f"CREATE INDEX {TABLE}_{column} ON {TABLE} ({column} DESC, id DESC)"
            )
    with connection.cursor() as cursor:
        if connection.in_atomic_block:
            cursor.execute(f"ANALYZE {TABLE}")
        else:
            cursor.execute(f"VACUUM (ANALYZE) {TABLE}")
    return time.perf_counter() - started


def exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        return bool(cursor.fetchone()[0])


def _tag_ids_named(names: tuple[str, ...]) -> list[int]:
    if not names:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(merger_id, id) FROM tags_tag WHERE lower(name) = ANY(%s)",
            [[name.strip().lower() for name in names]],
        )
        return [row[0] for row in cursor.fetchall()]


def where(query: WorkQuery) -> tuple[str, list, str | None]:
    """The WHERE clause for ``query`` as a guest asks it, its parameters, and the
    text query (for ranking), if any."""
    if query.title.strip() or query.creators.strip() or query.single_chapter is not None:
        raise NotImplementedError("the baseline answers only what the benchmark asks")
    if query.user_id or query.pseud_id or query.revised != (None, None):
        raise NotImplementedError("the baseline answers only what the benchmark asks")
    parts = ["NOT restricted", "NOT hidden"]
    params: list = []
    wanted = list(dict.fromkeys(query.tag_ids + query.include_ids))
    wanted += _tag_ids_named(query.include_names)
    if wanted:
        parts.append("tag_ids @> %s::int[]")
        params.append(wanted)
    unwanted = list(query.exclude_ids) + _tag_ids_named(query.exclude_names)
    if unwanted:
        parts.append("NOT (tag_ids && %s::int[])")
        params.append(unwanted)
    if query.rating_ids:
        parts.append("rating = ANY(%s)")
        params.append(list(query.rating_ids))
    for flag in ("complete", "crossover"):
        value = getattr(query, flag)
        if value is not None:
            parts.append(f"{flag} = %s")
            params.append(value)
    for column in ("words", "hits", "kudos", "comments", "bookmarks"):
        low, high = getattr(query, column)
        if low is not None:
            parts.append(f"{column} >= %s")
            params.append(low)
        if high is not None:
            parts.append(f"{column} <= %s")
            params.append(high)
    if query.language:
        parts.append("language = %s")
        params.append(query.language)
    text = query.query.strip() or None
    if text:
        parts.append("tsv @@ websearch_to_tsquery('english', %s)")
        params.append(text)
    return " AND ".join(parts), params, text


def answer(query: WorkQuery, *, page: int = 1, with_facets: bool = True) -> Answer:
    """Count, one page of ids, and the facets, as three queries."""
    condition, params, text = where(query)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE {condition}", params)  # noqa: S608
        total = cursor.fetchone()[0]
        last = max(1, -(-total // PER_PAGE))
        page = min(max(1, page), last)
        direction = "ASC" if query.sort_direction == "asc" else "DESC"
        if query.sort_column == "_score" and text:
            order = f"ts_rank(tsv, websearch_to_tsquery('english', %s)) {direction}, id DESC"
            order_params = [text]
        else:
            column = SORTS.get(query.sort_column, "revised")
            order = f"{column} {direction}, id {direction}"
            order_params = []
        cursor.execute(
            f"SELECT id FROM {TABLE} WHERE {condition} ORDER BY {order} "  # noqa: S608
            "LIMIT %s OFFSET %s",
            params + order_params + [PER_PAGE, (page - 1) * PER_PAGE],
        )
        work_ids = [row[0] for row in cursor.fetchall()]
        facets: dict[str, list[tuple[int, int]]] = {}
        if with_facets:
            types = ", ".join(f"'{t}'" for t in GROUP_OF_TYPE)
            cursor.execute(
                f"""
                SELECT kind, tag_id, n FROM (
                    SELECT CASE WHEN g.type = 'UnsortedTag' THEN 'Freeform' ELSE g.type END
                               AS kind,
                           c.tag_id, c.n,
                           row_number() OVER (
                               PARTITION BY CASE WHEN g.type = 'UnsortedTag' THEN 'Freeform'
                                            ELSE g.type END
                               ORDER BY c.n DESC, c.tag_id) AS place
                    FROM (
                        SELECT u AS tag_id, count(*) AS n
                        FROM {TABLE} b, unnest(b.tag_ids) u
                        WHERE {condition}
                        GROUP BY u
                    ) c
                    JOIN tags_tag g ON g.id = c.tag_id
                    WHERE g.type IN ({types})
                ) ranked
                WHERE place <= 10
                ORDER BY kind, n DESC, tag_id
                """,  # noqa: S608
                params,
            )
            for kind, tag_id, count in cursor.fetchall():
                facets.setdefault(GROUP_OF_TYPE[kind], []).append((tag_id, count))
    return Answer(total=total, page=page, work_ids=work_ids, facets=facets)
