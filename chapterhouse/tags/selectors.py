"""Reads about the wrangling graph: a tag's canonical, synonyms, metatags,
subtags, parents and audit log, and the walks up and down the metatag graph
that effective filter tags are built from. See docs/tags-and-wrangling.md.

The walks are breadth-first, one query per level, and remember what they have
seen, so a loop in the data (which the services refuse, but old data may hold)
ends the walk instead of hanging it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet, Value
from django.db.models.functions import Lower

from .models import MetaTagging, Tag, TagParent, WranglingAction, tag_name_from_url


def _tag_called(name: str) -> Tag | None:
    # Compares LOWER(name), so the unique index on LOWER(name) answers it.
    if not name:
        return None
    return (
        Tag.objects.select_related("merger")
        .annotate(lower_name=Lower("name"))
        .filter(lower_name=name.lower())
        .first()
    )


def tag_by_url_name(value: str) -> Tag | None:
    """The tag a URL segment names (``Mulder*s*Scully`` is "Mulder/Scully"), any case."""
    return _tag_called(tag_name_from_url(value).strip())


def tag_named(name: str) -> Tag | None:
    """The tag called ``name`` as a person typed it (any case, runs of spaces
    as one), with its canonical (``merger``) loaded."""
    return _tag_called(" ".join((name or "").split()))


def canonical_of(tag: Tag) -> Tag | None:
    """The tag whose works listing includes ``tag``'s works: itself when canonical,
    its canonical when a synonym, None when nobody has wrangled it."""
    if tag.merger_id:
        return tag.merger
    return tag if tag.canonical else None


def synonyms_of(tag: Tag) -> QuerySet[Tag]:
    return Tag.objects.filter(merger=tag).order_by(Lower("name"))


def metatags_of(tag: Tag) -> QuerySet[Tag]:
    """The tags directly above ``tag``."""
    return Tag.objects.filter(sub_links__sub=tag).order_by(Lower("name"))


def subtags_of(tag: Tag) -> QuerySet[Tag]:
    """The tags directly below ``tag``."""
    return Tag.objects.filter(meta_links__meta=tag).order_by(Lower("name"))


def parents_of(tag: Tag) -> QuerySet[Tag]:
    return Tag.objects.filter(child_links__child=tag).order_by("type", Lower("name"))


def children_of(tag: Tag) -> QuerySet[Tag]:
    return Tag.objects.filter(parent_links__parent=tag).order_by("type", Lower("name"))


def audit_of(tag: Tag, *, limit: int = 100) -> QuerySet[WranglingAction]:
    """The newest wrangling actions on ``tag``, newest first."""
    return WranglingAction.objects.filter(tag=tag).select_related("actor")[:limit]


# Walking the metatag graph -----------------------------------------------------


def metatag_ancestors(tag_ids: Iterable[int]) -> dict[int, set[int]]:
    """For each tag id, every metatag above it (transitively), itself excluded
    unless a loop leads back to it."""
    start = set(tag_ids)
    parents: dict[int, set[int]] = {}
    frontier = set(start)
    seen: set[int] = set()
    while frontier:
        seen |= frontier
        found = MetaTagging.objects.filter(sub_id__in=frontier).values_list("sub_id", "meta_id")
        frontier = set()
        for sub_id, meta_id in found:
            parents.setdefault(sub_id, set()).add(meta_id)
            if meta_id not in seen:
                frontier.add(meta_id)
    result: dict[int, set[int]] = {}
    for tag_id in start:
        above: set[int] = set()
        stack = list(parents.get(tag_id, ()))
        while stack:
            each = stack.pop()
            if each in above:
                continue
            above.add(each)
            stack.extend(parents.get(each, ()))
        result[tag_id] = above
    return result


def metatag_path(*, start: Tag, goal: Tag) -> list[int] | None:
    """Tag ids from ``start`` up through metatags to ``goal`` (both included), or
    None when ``goal`` is not above ``start``."""
    came_from: dict[int, int | None] = {start.pk: None}
    frontier = {start.pk}
    while frontier and goal.pk not in came_from:
        found = MetaTagging.objects.filter(sub_id__in=frontier).values_list("sub_id", "meta_id")
        frontier = set()
        for sub_id, meta_id in found:
            if meta_id not in came_from:
                came_from[meta_id] = sub_id
                frontier.add(meta_id)
    if goal.pk not in came_from:
        return None
    path = [goal.pk]
    while came_from[path[-1]] is not None:
        path.append(came_from[path[-1]])
    return list(reversed(path))


def tags_below(tag_ids: Iterable[int]) -> set[int]:
    """The given tags, their subtags (transitively) and the synonyms of all of
    them: every tag whose works are found under one of ``tag_ids``."""
    found = set(tag_ids)
    frontier = set(found)
    while frontier:
        subs = set(
            MetaTagging.objects.filter(meta_id__in=frontier).values_list("sub_id", flat=True)
        )
        frontier = subs - found
        found |= frontier
    synonyms = set(Tag.objects.filter(merger_id__in=found).values_list("pk", flat=True))
    return found | synonyms


def parent_ids_of(tag: Tag) -> list[int]:
    return list(TagParent.objects.filter(child=tag).values_list("parent_id", flat=True))


def tags_named(name: str, queryset: QuerySet[Tag] | None = None) -> QuerySet[Tag]:
    """Tags called ``name`` in any case. Compares ``LOWER(name)`` with the name
    lowered by the database too, so the unique index on ``LOWER(name)``
    answers it (``name__iexact`` compares ``UPPER`` and scans every tag)."""
    tags = Tag.objects.all() if queryset is None else queryset
    return tags.annotate(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)))


def tags_by_names(names: Iterable[str]) -> dict[str, Tag]:
    """The tag each of ``names`` calls, compared as ``tags_named`` compares (both
    sides lowered by the database, so the unique index on ``LOWER(name)``
    answers it, and SQLite, which lowers ASCII letters only, decides as it
    does for one name), in one query however many names. Names that call no
    tag are left out; two names may call the same tag."""
    return tags_by_names_and_ids(names, ())[0]


def tags_by_names_and_ids(
    names: Iterable[str], ids: Iterable[int]
) -> tuple[dict[str, Tag], dict[int, Tag]]:
    """``tags_by_names(names)`` and ``Tag.objects.in_bulk(ids)`` in one query."""
    names = list(dict.fromkeys(names))
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not names and not ids:
        return {}, {}
    # The names as a table of one column (``column1`` on PostgreSQL and
    # SQLite alike), joined to the tags through the index.
    table = connection.ops.quote_name(Tag._meta.db_table)
    parts, params = [], []
    if names:
        parts.append(
            f"SELECT tag.*, typed.column1 AS typed_name FROM {table} tag "  # noqa: S608
            f"INNER JOIN (VALUES {', '.join(['(%s)'] * len(names))}) AS typed "
            "ON LOWER(tag.name) = LOWER(typed.column1)"
        )
        params += names
    if ids:
        parts.append(
            f"SELECT tag.*, NULL AS typed_name FROM {table} tag "  # noqa: S608
            f"WHERE tag.id IN ({', '.join(['%s'] * len(ids))})"
        )
        params += ids
    by_name: dict[str, Tag] = {}
    by_id: dict[int, Tag] = {}
    for tag in Tag.objects.raw(" UNION ALL ".join(parts), params):  # no user text in the SQL
        if tag.typed_name is None:
            by_id[tag.pk] = tag
        else:
            by_name[tag.typed_name] = tag
    return by_name, by_id
