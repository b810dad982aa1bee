"""Benchmark tag autocomplete: generate N tags, time 200 lookups of 1-4 characters.

    .venv/bin/python bench/autocomplete.py                 # 1,000,000 tags, temp SQLite
    .venv/bin/python bench/autocomplete.py --tags 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_ac .venv/bin/python bench/autocomplete.py

With DATABASE_URL the tags go into that database (migrated first; the tags this
script adds are deleted again at the end). Prints p50/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

SYLLABLES = [
    "ka", "lo", "ren", "poe", "da", "me", "ron", "fi", "nn", "rey", "sky", "wal", "ker",
    "mul", "der", "scu", "lly", "an", "gel", "bu", "ffy", "spi", "ke", "ha", "rry",
    "dra", "co", "her", "mio", "ne", "sha", "rlo", "ck", "jo", "hn", "wat", "son",
]
TYPES = [("Character", 40), ("Relationship", 30), ("Freeform", 25), ("Fandom", 5)]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def tag_name(rng: random.Random, kind: str) -> str:
    if kind == "Relationship":
        return f"{word(rng)} {word(rng)}/{word(rng)} {word(rng)}"
    if kind == "Freeform":
        return " ".join(word(rng).lower() for _ in range(rng.randint(1, 3)))
    return f"{word(rng)} {word(rng)}"


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("CHAPTERHOUSE_VAR_DIR", var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(count: int, rng: random.Random) -> tuple[int, int]:
    """Insert ``count`` tags with unique names; returns the (first, last) ids added."""
    from django.db import connection, transaction
    from django.utils import timezone

    from chapterhouse.tags.models import Tag

    kinds = [kind for kind, weight in TYPES for _ in range(weight)]
    seen: set[str] = set(n.lower() for n in Tag.objects.values_list("name", flat=True))
    table = connection.ops.quote_name(Tag._meta.db_table)
    now = timezone.now()
    # The table name comes from the model; the values are parameters.
    columns = "name, type, canonical, unwrangleable, description, use_count, created_at, updated_at"
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    before = Tag.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    made = 0
    started = time.perf_counter()
    while made < count:
        batch = []
        while len(batch) < min(20_000, count - made):
            kind = rng.choice(kinds)
            name = tag_name(rng, kind)
            if name.lower() in seen:
                continue
            seen.add(name.lower())
            batch.append((name, kind, rng.random() < 0.3, False, "", rng.randint(0, 500), now, now))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
        made += len(batch)
        print(f"\r  {made:,} tags", end="", flush=True, file=sys.stderr)
    # Raw inserts skip the save signal, so give the new tags their words here.
    from chapterhouse.tags.words import tag_words_rebuild

    new_tags = Tag.objects.filter(pk__gt=before).order_by("pk")
    for start in range(0, made, 20_000):
        with transaction.atomic():
            tag_words_rebuild(new_tags[start:start + 20_000])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated {made:,} tags in {time.perf_counter() - started:.1f}s")
    last = Tag.objects.order_by("-pk").values_list("pk", flat=True).first()
    return before + 1, last


#: The indexes docs/tag-pages.md asks for; --suggested-indexes creates them here.
SUGGESTED_INDEXES = {
    "postgresql": [
        "CREATE INDEX IF NOT EXISTS tag_canonical_name_key ON tags_tag "
        "(canonical, (lower(name) COLLATE \"C\"))",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "CREATE INDEX IF NOT EXISTS tag_name_upper_trgm ON tags_tag "
        "USING gin (upper(name::text) gin_trgm_ops)",
    ],
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS tag_canonical_name_key ON tags_tag "
        "(canonical, lower(name))",
    ],
}


def add_suggested_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in SUGGESTED_INDEXES[connection.vendor]:
            cursor.execute(statement)
        cursor.execute("ANALYZE")


def drop_suggested_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in SUGGESTED_INDEXES[connection.vendor]:
            if statement.startswith("CREATE INDEX"):
                name = statement.split("EXISTS ")[1].split()[0]
                cursor.execute(f"DROP INDEX IF EXISTS {name}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(queries: int, rng: random.Random) -> list[float]:
    from django.contrib.auth.models import AnonymousUser

    from chapterhouse.tags.page_selectors import tags_autocomplete

    timings = []
    for _ in range(queries):
        if rng.random() < 0.8:
            source = word(rng).lower()
        else:  # letters that may match nothing: the slowest case
            source = "".join(rng.sample("abcdefghijklmnopqrstuvwxyz", 4))
        term = source[: rng.randint(1, 4)]
        kind = rng.choice(["", "Character", "Relationship", "Freeform", "Fandom"])
        started = time.perf_counter()
        tags_autocomplete(viewer=AnonymousUser(), term=term, type=kind)
        timings.append(((time.perf_counter() - started) * 1000, term, kind or "any"))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=1_000_000, help="tags to generate")
    parser.add_argument("--queries", type=int, default=200, help="lookups to time")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--suggested-indexes", action="store_true",
        help="first create the indexes docs/tag-pages.md suggests (dropped again with "
        "DATABASE_URL)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="chapterhouse-bench-") as var_dir:
        setup_django(var_dir)
        from django.db import connection

        from chapterhouse.tags.models import Tag

        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        first, last = generate(args.tags, rng)
        if args.suggested_indexes:
            add_suggested_indexes()
        try:
            run(10, rng)  # warm up
            runs = run(args.queries, rng)
            timings = [ms for ms, _, _ in runs]
            print(
                f"autocomplete over {Tag.objects.count():,} tags, {len(timings)} lookups of "
                f"1-4 characters: p50 {statistics.median(timings):.2f} ms, "
                f"p99 {percentile(timings, 0.99):.2f} ms, max {max(timings):.2f} ms"
            )
            slowest = sorted(runs, reverse=True)[:5]
            print("slowest: " + ", ".join(f"{t!r} ({k}) {ms:.1f} ms" for ms, t, k in slowest))
        finally:
            if "DATABASE_URL" in os.environ:
                Tag.objects.filter(pk__gte=first, pk__lte=last).delete()
                if args.suggested_indexes:
                    drop_suggested_indexes()


if __name__ == "__main__":
    main()
