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


def _has_anonymous_field() -> bool:
    from chapterhouse.works.models import Work

    return any(f.name == "anonymous" for f in Work._meta.get_fields())


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


def documents_for(work_ids: Iterable[int]) -> dict[int, Document | None]:
    """A ``Document`` for each listable work of ``work_ids`` (posted), ``None``
    for the others (drafts, deleted): those leave the index. A few queries per
    call, however many works."""
    from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
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
        "bookmark_count", "published_on", "revised_at", "created_at",
    ]
    if _has_anonymous_field():
        fields.append("anonymous")
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        rows = list(Work.objects.filter(pk__in=chunk, posted=True).values(*fields))
        if not rows:
            continue
        present = [row["pk"] for row in rows]
        filter_tags: dict[int, list[int]] = {work_id: [] for work_id in present}
        for work_id, tag_id in WorkFilterTag.objects.filter(work_id__in=present).values_list(
            "work_id", "tag_id"
        ):
            filter_tags[work_id].append(tag_id)
        direct_names: dict[int, list[str]] = {work_id: [] for work_id in present}
        for work_id, name in WorkTag.objects.filter(work_id__in=present).values_list(
            "work_id", "tag__name"
        ):
            direct_names[work_id].append(name)
        all_filter = set().union(*filter_tags.values()) if filter_tags else set()
        tag_info = {
            pk: (name, kind)
            for pk, name, kind in Tag.objects.filter(pk__in=all_filter).values_list(
                "pk", "name", "type"
            )
        }
        fandoms = {pk for pk, (_, kind) in tag_info.items() if kind == TagType.FANDOM}
        ancestors = metatag_ancestors(fandoms) if fandoms else {}
        creators: dict[int, list[tuple]] = {work_id: [] for work_id in present}
        for row in (
            Creatorship.objects.filter(work_id__in=present, accepted=True)
            .order_by("position", "pk")
            .values_list("work_id", "pseud_id", "pseud__name", "pseud__user_id",
                         "pseud__user__username")
        ):
            creators[row[0]].append(row[1:])
        for row in rows:
            work_id = row["pk"]
            anonymous = bool(row.get("anonymous", False))
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
            )
    return result


def all_posted_work_ids() -> Iterator[list[int]]:
    """Every posted work's id, in batches (for a full rebuild)."""
    from chapterhouse.works.models import Work

    last = 0
    while True:
        chunk = list(
            Work.objects.filter(posted=True, pk__gt=last).order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]
