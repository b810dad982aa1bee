"""What the index knows of one work, read from the database (the truth)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import unescape


@dataclass
class Document:
    work_id: int
    title: str
    summary: str  # plain text (HTML stripped)
    notes: str  # beginning and end notes, plain text
    tag_names: list[str]  # the names of its direct tags and its filter tags
    creator_names: list[str]  # pseud names and user names; empty for anonymous works
    creator_user_ids: list[int]  # empty for anonymous works
    creator_pseud_ids: list[int]  # empty for anonymous works
    creator_sort: str  # casefolded first creator ("anonymous" for anonymous works)
    filter_tag_ids: list[int]  # effective filter tags (tags.WorkFilterTag)
    language: str
    restricted: bool
    hidden: bool
    anonymous: bool
    complete: bool
    crossover: bool
    single_chapter: bool
    words: int
    chapters: int
    hits: int
    kudos: int
    comments: int
    bookmarks: int
    published: dt.date  # "Date Posted" (created_at sort)
    revised: dt.datetime  # "Date Updated" (revised_at sort)
    # The creators' user ids, even for anonymous works: used only to show a
    # creator her own works, never to find, sort or mute by creator.
    owner_user_ids: list[int] = field(default_factory=list)
    # The collections it is shown in: items approved by its creators and by
    # the collection's maintainers (collections.CollectionItem.approved), and the
    # parents of those collections (a parent lists its subcollections' works).
    collection_ids: list[int] = field(default_factory=list)


# Reading documents ---------------------------------------------------------------

_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"\s+")

#: Works read per batch by ``documents_for`` and ``all_posted_work_ids``.
BATCH = 5000


def plain_text(html: str) -> str:
    """Stored work HTML is already sanitised; for indexing only its words matter."""
    if not html:
        return ""
    return _SPACE_RE.sub(" ", unescape(_TAG_RE.sub(" ", html))).strip()


def _crossover(fandoms: set[int], ancestors: dict[int, set[int]]) -> bool:
    """More than one unrelated fandom: group the work's fandoms by shared
    metatags; a crossover has more than one group."""
    families = [({tag} | ancestors.get(tag, set())) for tag in fandoms]
    # Fandoms that are a metatag of another of the work's fandoms add nothing.
    leaves = [fam for tag, fam in zip(fandoms, families, strict=True)
              if not any(tag in other and other is not fam for other in families)]
    groups: list[set[int]] = []
    for fam in leaves:
        merged = [g for g in groups if g & fam]
        for g in merged:
            groups.remove(g)
            fam = fam | g
        groups.append(fam)
    return len(groups) > 1


def _among(field_name: str, ids: list[int]):
    """``field IN ids``, or for ids that are nearly a run (a rebuild reads works
    in id order) a range, which databases answer far faster than thousands of
    parameters; callers drop the rows of other ids in the range."""
    from django.db.models import Q

    if len(ids) > 50:
        low, high = min(ids), max(ids)
        if high - low < 2 * len(ids):
            return Q(**{f"{field_name}__gte": low, f"{field_name}__lte": high})
    return Q(**{f"{field_name}__in": ids})


def documents_for(work_ids: Iterable[int]) -> dict[int, Document | None]:
    """A ``Document`` for each listable work of ``work_ids`` (posted), ``None``
    for the others (drafts, deleted): those leave the index. A few queries per
    call, however many works."""
    from chapterhouse.collections.models import CollectionItem
    from chapterhouse.tags.models import TagType, WorkFilterTag
    from chapterhouse.tags.selectors import metatag_ancestors
    from chapterhouse.works.models import Creatorship, Work, WorkTag

    ids = sorted(set(work_ids))
    result: dict[int, Document | None] = {work_id: None for work_id in ids}
    if not ids:
        return result
    fields = [
        "pk", "title", "summary", "notes", "endnotes", "language", "restricted",
        "hidden_by_admin", "complete", "expected_chapters", "word_count",
        "posted_chapter_count", "hit_count", "kudos_count", "comment_count",
        "bookmark_count", "published_on", "revised_at", "created_at", "anonymous",
    ]
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        wanted = set(chunk)
        # A work in an unrevealed collection is listed nowhere the index
        # serves until the reveal (docs/collections.md).
        rows = [row for row in Work.objects.filter(_among("pk", chunk), posted=True,
                                                   in_unrevealed_collection=False)
                .order_by().values(*fields) if row["pk"] in wanted]
        if not rows:
            continue
        present = [row["pk"] for row in rows]
        filter_tags: dict[int, list[int]] = {work_id: [] for work_id in present}
        tag_info: dict[int, tuple[str, str]] = {}
        # No ORDER BY (the models' default ordering): with it, SQLite may walk
        # a whole index instead of looking the batch's ids up.
        for work_id, tag_id, name, kind in WorkFilterTag.objects.filter(
            _among("work_id", present)
        ).order_by().values_list("work_id", "tag_id", "tag__name", "tag__type"):
            if work_id in filter_tags:
                filter_tags[work_id].append(tag_id)
                tag_info[tag_id] = (name, kind)
        direct_names: dict[int, list[str]] = {work_id: [] for work_id in present}
        for work_id, name in WorkTag.objects.filter(_among("work_id", present)).order_by() \
                .values_list("work_id", "tag__name"):
            if work_id in direct_names:
                direct_names[work_id].append(name)
        fandoms = {pk for pk, (_, kind) in tag_info.items() if kind == TagType.FANDOM}
        ancestors = metatag_ancestors(fandoms) if fandoms else {}
        creators: dict[int, list[tuple]] = {work_id: [] for work_id in present}
        credits = sorted(
            Creatorship.objects.filter(_among("work_id", present), accepted=True).order_by()
            .values_list("position", "pk", "work_id", "pseud_id", "pseud__name",
                         "pseud__user_id", "pseud__user__username")
        )
        for row in credits:
            if row[2] in creators:
                creators[row[2]].append(row[3:])
        collections: dict[int, list[int]] = {work_id: [] for work_id in present}
        # A subcollection's works are also its parent's (as on AO3).
        for work_id, collection_id, parent_id in CollectionItem.objects.approved().filter(
            _among("work_id", present)
        ).order_by().values_list("work_id", "collection_id", "collection__parent_id"):
            if work_id in collections:
                collections[work_id].append(collection_id)
                if parent_id is not None:
                    collections[work_id].append(parent_id)
        for row in rows:
            work_id = row["pk"]
            anonymous = row["anonymous"]
            credited = [] if anonymous else creators[work_id]
            names: list[str] = []
            for _, pseud_name, _, username in credited:
                names.append(pseud_name)
                if username != pseud_name:
                    names.append(username)
            tags = sorted(set(filter_tags[work_id]))
            work_fandoms = {t for t in tags if t in fandoms}
            tag_names = list(dict.fromkeys(
                direct_names[work_id] + [tag_info[t][0] for t in tags if t in tag_info]
            ))
            revised = row["revised_at"] or row["created_at"]
            published = row["published_on"] or revised.date()
            chapters = row["posted_chapter_count"]
            result[work_id] = Document(
                work_id=work_id,
                title=row["title"],
                summary=plain_text(row["summary"]),
                notes=plain_text(row["notes"] + " " + row["endnotes"]),
                tag_names=tag_names,
                creator_names=names,
                creator_user_ids=sorted({c[2] for c in credited}),
                creator_pseud_ids=sorted({c[0] for c in credited}),
                owner_user_ids=sorted({c[2] for c in creators[work_id]}),
                creator_sort=("anonymous" if anonymous
                              else (credited[0][1].casefold() if credited else "")),
                filter_tag_ids=tags,
                language=row["language"],
                restricted=row["restricted"],
                hidden=row["hidden_by_admin"],
                anonymous=anonymous,
                complete=row["complete"],
                crossover=_crossover(work_fandoms, ancestors),
                single_chapter=chapters <= 1 and row["expected_chapters"] == 1,
                words=row["word_count"],
                chapters=chapters,
                hits=row["hit_count"],
                kudos=row["kudos_count"],
                comments=row["comment_count"],
                bookmarks=row["bookmark_count"],
                published=published,
                revised=revised,
                collection_ids=sorted(set(collections[work_id])),
            )
    return result


def all_posted_work_ids() -> Iterator[list[int]]:
    """Every posted work's id, in batches (for a full rebuild)."""
    from chapterhouse.works.models import Work

    last = 0
    while True:
        chunk = list(
            Work.objects.filter(posted=True, in_unrevealed_collection=False, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]
