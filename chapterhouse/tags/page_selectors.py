"""Reads for the public tag pages: a tag's page, its works, tag search, the
fandom index by medium, and autocomplete.

Works are always narrowed through ``works_visible_to`` and tags through
``tags_visible_to`` (the one door for privacy), so every count and every name
on these pages is what the viewer may see: a tag used only on drafts or
hidden works is not there for others. A tag's
works are the works whose *effective filter tags* (``WorkFilterTag``) include
it; wrangling keeps those rows current in the background. See docs/tag-pages.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Collate, Lower

from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.selectors.listing import Page, paginate
from chapterhouse.works.selectors.visibility import (
    tag_is_visible,
    tag_work_counts,
    tags_visible_to,
    works_visible_to,
)
from chapterhouse.works.text import sanitize_stored_html

from .models import (
    USER_TAG_TYPES,
    Tag,
    TagParent,
    TagType,
    TagWord,
    WorkFilterTag,
    tag_name_from_url,
    tag_name_to_url,
)
from .selectors import tag_by_url_name
from .words import words_of

#: The medium AO3 files fandoms under when no wrangler has given them one.
UNCATEGORIZED = "Uncategorized Fandoms"
AUTOCOMPLETE_LIMIT = 15
#: Word-start matches (after whole-name prefix matches) from this many characters.
SUBSTRING_MIN_LENGTH = 2
SEARCH_PER_PAGE = 50
TOP_FANDOMS_PER_MEDIUM = 5


def tag_path(name: str, suffix: str = "") -> str:
    """The root-relative URL of a tag page, in AO3's escaping: ``/tags/Mulder*s*Scully``."""
    return f"/tags/{quote(tag_name_to_url(name), safe='*')}{suffix}"


def media_path(name: str) -> str:
    return f"/media/{quote(tag_name_to_url(name), safe='*')}/fandoms"


def _by_lower_name(queryset: QuerySet[Tag], name: str) -> QuerySet[Tag]:
    # Compares LOWER(name), so the unique index on LOWER(name) answers it.
    return queryset.annotate(lower_name=Lower("name")).filter(lower_name=name.lower())


# The tag page -----------------------------------------------------------------


@dataclass
class TagPage:
    tag: Tag
    description: str
    state: str
    parents: dict[str, list[Tag]] = field(default_factory=dict)
    synonyms: list[Tag] = field(default_factory=list)
    metatags: list[Tag] = field(default_factory=list)
    subtags: list[Tag] = field(default_factory=list)
    children: dict[str, list[Tag]] = field(default_factory=dict)

    @property
    def type_label(self) -> str:
        return TagType(self.tag.type).label if self.tag.type in TagType.values else self.tag.type

    @property
    def has_works_listing(self) -> bool:
        return self.tag.type != TagType.MEDIA


#: How many child tags of each type a tag page lists.
CHILDREN_SHOWN = 300
_TYPE_ORDER = [
    TagType.MEDIA, TagType.FANDOM, TagType.CHARACTER, TagType.RELATIONSHIP,
    TagType.FREEFORM, TagType.UNSORTED,
]


def _grouped(tags) -> dict[str, list[Tag]]:
    groups: dict[str, list[Tag]] = {}
    for tag in tags:
        groups.setdefault(tag.type, []).append(tag)
    order = {t.value: i for i, t in enumerate(_TYPE_ORDER)}
    return {
        TagType(kind).label if kind in TagType.values else kind: items
        for kind, items in sorted(groups.items(), key=lambda kv: order.get(kv[0], 99))
    }


def _state(tag: Tag) -> str:
    if tag.merger_id:
        return "synonym"
    if tag.canonical:
        return "canonical"
    if tag.unwrangleable:
        return "unwrangleable"
    return "unwrangled"


def tag_visible(*, viewer, url_name: str) -> Tag | None:
    """The tag a URL names, if ``viewer`` may know it exists (see visibility.md)."""
    tag = tag_by_url_name(url_name)
    return tag if tag is not None and tag_is_visible(viewer, tag) else None


def tag_page(*, viewer, tag: Tag) -> TagPage:
    """Everything the page ``/tags/NAME`` shows about ``tag``. Synonyms and child
    tags are wrangled from what creators typed: only those the viewer may know."""
    parents = Tag.objects.filter(child_links__child=tag).order_by(Lower("name"))
    children = tags_visible_to(
        viewer, Tag.objects.filter(parent_links__parent=tag, merger__isnull=True)
    ).order_by(Lower("name"))[:CHILDREN_SHOWN]
    return TagPage(
        tag=tag,
        description=sanitize_stored_html(tag.description),
        state=_state(tag),
        parents=_grouped(parents),
        synonyms=list(tags_visible_to(viewer, tag.synonyms.all()).order_by(Lower("name"))),
        metatags=list(Tag.objects.filter(sub_links__sub=tag).order_by(Lower("name"))),
        subtags=list(Tag.objects.filter(meta_links__meta=tag).order_by(Lower("name"))),
        children=_grouped(children),
    )


# A tag's works ------------------------------------------------------------------


def tag_works_queryset(*, viewer, tag: Tag) -> QuerySet[Work]:
    """Posted works the viewer may see that are listed under ``tag``, newest first.

    A canonical tag lists the works whose effective filter tags include it (its
    synonyms' and subtags' works too); a tag nobody has wrangled yet lists the
    works tagged with it directly.
    """
    if tag.canonical:
        under = Exists(WorkFilterTag.objects.filter(tag=tag, work=OuterRef("pk")))
    else:
        under = Exists(WorkTag.objects.filter(tag=tag, work=OuterRef("pk")))
    works = works_visible_to(viewer).filter(under, posted=True)
    return works.order_by("-revised_at", "-pk")


# Tag search ----------------------------------------------------------------------


@dataclass
class FoundTag:
    tag: Tag
    count: int  # posted works the viewer may see listed under it


def tags_search(
    *, viewer, name: str = "", type: str = "", canonical: bool | None = None, fandom: str = "",
    page=1,
) -> Page:
    """Tags the viewer may know whose name contains ``name`` (any case), of
    ``type``, canonical or not, belonging to the fandom named ``fandom``; by
    name, 50 a page, each with the works she may see under it."""
    tags = tags_visible_to(viewer).exclude(
        type__in=[TagType.RATING, TagType.WARNING, TagType.CATEGORY]
    )
    if name.strip():
        tags = tags.filter(name__icontains=name.strip())
    if type:
        tags = tags.filter(type=type)
    if canonical is not None:
        tags = tags.filter(canonical=canonical)
    if fandom.strip():
        in_fandom = TagParent.objects.filter(child=OuterRef("pk")).annotate(
            parent_lower=Lower("parent__name")
        ).filter(parent_lower=fandom.strip().lower())
        tags = tags.filter(Exists(in_fandom))
    tags = tags.select_related("merger").order_by(Lower("name"), "pk")

    def counted(found: list[Tag]) -> list[FoundTag]:
        counts = tag_work_counts(viewer, found)
        return [FoundTag(tag=tag, count=counts.get(tag.pk, 0)) for tag in found]

    return paginate(tags, page, per_page=SEARCH_PER_PAGE, prepare=counted)


# The fandom index ------------------------------------------------------------------


def _uncategorized_fandoms() -> QuerySet[Tag]:
    has_medium = TagParent.objects.filter(child=OuterRef("pk"), parent__type=TagType.MEDIA)
    return Tag.objects.filter(type=TagType.FANDOM, canonical=True).exclude(Exists(has_medium))


def _fandoms_of(medium_name: str, medium: Tag | None) -> QuerySet[Tag]:
    fandoms = Tag.objects.none()
    if medium is not None:
        fandoms = Tag.objects.filter(
            type=TagType.FANDOM, canonical=True, parent_links__parent=medium
        )
    if medium_name.lower() == UNCATEGORIZED.lower():
        fandoms = fandoms | _uncategorized_fandoms()
    return fandoms.distinct()


@dataclass
class FandomCount:
    tag: Tag
    count: int


@dataclass
class Medium:
    name: str
    tag: Tag | None
    fandoms: list[FandomCount]

    @property
    def path(self) -> str:
        return media_path(self.name)


def media_index(*, viewer, top: int = TOP_FANDOMS_PER_MEDIUM) -> list[Medium]:
    """Every medium with its ``top`` fandoms by the works the viewer may see, and
    "Uncategorized Fandoms" last when some fandom has no medium."""
    media = list(Tag.objects.filter(type=TagType.MEDIA).order_by(Lower("name")))
    links = list(
        TagParent.objects.filter(
            parent__in=media, child__type=TagType.FANDOM, child__canonical=True
        ).select_related("child")
    )
    loose = list(_uncategorized_fandoms())
    counts = tag_work_counts(viewer, [*(link.child for link in links), *loose])
    by_medium: dict[int, list[Tag]] = {}
    for link in links:
        by_medium.setdefault(link.parent_id, []).append(link.child)

    def ranked(fandoms) -> list[FandomCount]:
        rows = [FandomCount(tag=t, count=counts.get(t.pk, 0)) for t in fandoms]
        rows.sort(key=lambda row: (-row.count, row.tag.name.lower()))
        return rows[:top]

    result = [
        Medium(name=m.name, tag=m, fandoms=ranked(by_medium.get(m.pk, [])))
        for m in media
        if m.name.lower() != UNCATEGORIZED.lower()
    ]
    own = next((m for m in media if m.name.lower() == UNCATEGORIZED.lower()), None)
    if loose or own is not None:
        extra = by_medium.get(own.pk, []) if own is not None else []
        result.append(Medium(name=UNCATEGORIZED, tag=own, fandoms=ranked([*extra, *loose])))
    return result


@dataclass
class Letter:
    letter: str
    fandoms: list[FandomCount]


@dataclass
class MediumFandoms:
    name: str
    tag: Tag | None
    letters: list[Letter]

    @property
    def count(self) -> int:
        return sum(len(letter.fandoms) for letter in self.letters)


def _letter(name: str) -> str:
    first = name.strip()[:1].upper()
    return first if first.isalpha() else "#"


def media_fandoms(*, viewer, medium_url_name: str) -> MediumFandoms | None:
    """The canonical fandoms in one medium, grouped by first letter, each with the
    number of works the viewer may see; ``None`` for an unknown medium."""
    name = tag_name_from_url(medium_url_name).strip()
    medium = _by_lower_name(Tag.objects.filter(type=TagType.MEDIA), name).first()
    if medium is None and name.lower() != UNCATEGORIZED.lower():
        return None
    fandoms = sorted(_fandoms_of(name, medium), key=lambda t: (t.name.lower(), t.pk))
    counts = tag_work_counts(viewer, fandoms)
    letters: list[Letter] = []
    for tag in fandoms:
        letter = _letter(tag.name)
        if not letters or letters[-1].letter != letter:
            letters.append(Letter(letter=letter, fandoms=[]))
        letters[-1].fandoms.append(FandomCount(tag=tag, count=counts.get(tag.pk, 0)))
    letters.sort(key=lambda group: (group.letter != "#", group.letter))
    return MediumFandoms(name=medium.name if medium else UNCATEGORIZED, tag=medium, letters=letters)


# Autocomplete ------------------------------------------------------------------------


def _name_key():
    """The lower-cased name in byte (codepoint) order, the sort key prefix ranges use.

    PostgreSQL: ``LOWER(name) COLLATE "C"`` (a linguistic collation would not keep
    prefixes together); SQLite compares bytes already.
    """
    if connection.vendor == "postgresql":
        return Collate(Lower("name"), "C")
    return Lower("name")


def _prefix_filter(queryset: QuerySet[Tag], term: str) -> QuerySet[Tag]:
    """Names starting with ``term`` (already lower-cased), as an index range,
    ``term <= key < next(term)``, ordered by that key: with an index on
    ``(canonical, key)`` the database reads just the first rows of the range."""
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    queryset = queryset.annotate(name_key=_name_key())
    return queryset.filter(name_key__gte=term, name_key__lt=upper).order_by("name_key", "pk")


def _fandom_ids(names) -> list[int]:
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    if not wanted:
        return []
    found = Tag.objects.annotate(lower_name=Lower("name")).filter(
        type=TagType.FANDOM, lower_name__in=wanted
    )
    return sorted({t.merger_id or t.pk for t in found})


#: How many candidate tags one word-start lookup reads from the index at most.
WORD_CANDIDATES = 500


def _word_start_matches(base, term: str, *, canonical: bool, wanted: int, seen: set) -> list:
    # ``base`` holds tags of one canonical state.
    """Tags (not in ``seen``) each of whose term words starts one of the name's
    words, sorted by name. The longest term word drives an index range on TagWord."""
    term_words = sorted(words_of(term), key=len, reverse=True)
    if not term_words:
        return []
    key = term_words[0]
    upper = key[:-1] + chr(ord(key[-1]) + 1)
    candidates = list(
        TagWord.objects.filter(canonical=canonical, word__gte=key, word__lt=upper)
        .values_list("tag_id", flat=True)[:WORD_CANDIDATES]
    )
    found = (
        base.filter(pk__in=candidates, canonical=canonical)
        .exclude(pk__in=seen)
        .values_list("pk", "name", "canonical")
    )

    def matches(name: str) -> bool:
        name_words = words_of(name)
        return all(any(w.startswith(t) for w in name_words) for t in term_words)

    rows = sorted((row for row in found if matches(row[1])), key=lambda r: (r[1].lower(), r[0]))
    return rows[:wanted]


def tags_autocomplete(
    *, viewer, term: str, type: str = "", fandoms=(), limit: int = AUTOCOMPLETE_LIMIT
) -> list[dict]:
    """Up to ``limit`` tags for a name being typed: canonical tags before others,
    and within each, names starting with ``term`` before names containing it.
    Non-canonical tags only when the viewer may know them (``tags_visible_to``).

    ``type`` narrows to one of Fandom, Character, Relationship, Freeform (else
    any of them). For characters and relationships, ``fandoms`` (names) narrows
    to tags whose parent fandoms include one of them (unknown names are ignored).
    """
    term = " ".join(term.split()).lower()[:100]
    if not term:
        return []
    base = Tag.objects.filter(type=type) if type else Tag.objects.filter(type__in=USER_TAG_TYPES)
    if type in (TagType.CHARACTER, TagType.RELATIONSHIP):
        fandom_ids = _fandom_ids(fandoms)
        if fandom_ids:
            base = base.filter(
                Exists(TagParent.objects.filter(child=OuterRef("pk"), parent_id__in=fandom_ids))
            )
    canonical_base = base.filter(canonical=True)
    other_base = base.filter(canonical=False)

    def rows(queryset, wanted):
        return list(queryset.values_list("pk", "name", "canonical")[:wanted])

    # Prefix matches come from an index range, one query per canonical state.
    prefix_canonical = rows(_prefix_filter(canonical_base, term), limit)
    prefix_other, substring_canonical, substring_other = [], [], []
    if len(prefix_canonical) < limit:
        prefix_other = rows(_prefix_filter(other_base, term), WORD_CANDIDATES)
    # Then names with a word that starts with the term ("poe" finds "Kylo Ren/Poe
    # Dameron"), from the TagWord index: an index range, never a scan.
    if len(term) >= SUBSTRING_MIN_LENGTH and len(prefix_canonical) < limit:
        seen = {pk for pk, _, _ in prefix_canonical + prefix_other}
        substring_canonical = _word_start_matches(
            canonical_base, term, canonical=True, wanted=limit - len(prefix_canonical), seen=seen
        )
        if len(prefix_canonical) + len(substring_canonical) < limit:
            substring_other = _word_start_matches(
                other_base, term, canonical=False, wanted=WORD_CANDIDATES, seen=seen
            )
    # Other tags are offered only when the viewer may know them: one query over
    # the (at most 2 x 500) candidates, never over the ranges.
    if prefix_other or substring_other:
        ids = [pk for pk, _, _ in prefix_other + substring_other]
        shown = set(tags_visible_to(viewer, Tag.objects.filter(pk__in=ids))
                    .values_list("pk", flat=True))
        prefix_other = [row for row in prefix_other if row[0] in shown]
        substring_other = [row for row in substring_other if row[0] in shown]
    ordered = prefix_canonical + substring_canonical + prefix_other + substring_other
    return [{"id": pk, "name": name} for pk, name, _ in ordered[:limit]]


__all__ = [
    "UNCATEGORIZED",
    "media_fandoms",
    "media_index",
    "media_path",
    "tag_by_url_name",
    "tag_page",
    "tag_path",
    "tag_visible",
    "tag_works_queryset",
    "tags_autocomplete",
    "tags_search",
]
