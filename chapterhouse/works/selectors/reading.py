"""Reads for the work page: everything it shows, in a fixed number of queries.

``work_page(viewer=…, work_id=…)`` answers ``None`` when the viewer may not
see the work (the view turns that into a 404 or a log-in page). Otherwise it
returns a ``WorkPage`` whose parts are already filtered by the privacy door
(``visibility.py``): only the chapters the viewer may read, only series
neighbours and related works the viewer may see, only gifts nobody refused.

The number of queries does not depend on the number of chapters, tags,
creators or series (see ``tests/test_query_counts.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from chapterhouse.collections.models import Approval, CollectionItem
from chapterhouse.tags.fixed import ADULT_RATINGS
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.web.caches import html_cache

from ..languages import language_name
from ..models import Chapter, Creatorship, Gift, RelatedWork, Series, SeriesWork, Work, WorkTag
from .visibility import (
    annotate_is_creator,
    chapter_is_live_q,
    chapters_visible_to,
    series_parts_visible_to,
    visible_chapters,
    visible_work,
    work_needs_login,
    works_visible_to,
)

#: The tag groups of the work meta, in AO3's order: (types, css name, one, many).
META_GROUPS = [
    ((TagType.RATING,), "rating", "Rating:", "Ratings:"),
    ((TagType.WARNING,), "warning", "Archive Warning:", "Archive Warnings:"),
    ((TagType.CATEGORY,), "category", "Category:", "Categories:"),
    ((TagType.FANDOM,), "fandom", "Fandom:", "Fandoms:"),
    ((TagType.RELATIONSHIP,), "relationship", "Relationship:", "Relationships:"),
    ((TagType.CHARACTER,), "character", "Character:", "Characters:"),
    # Unsorted tags were typed as additional tags; they show with them.
    ((TagType.FREEFORM, TagType.UNSORTED), "freeform", "Additional Tags:", "Additional Tags:"),
]


@dataclass
class TagGroup:
    css: str
    label: str
    tags: list[Tag]


@dataclass
class SeriesLink:
    """Where a work sits in one series, counting only works the viewer may see."""

    series: Series
    position: int
    previous: Work | None = None
    next: Work | None = None


@dataclass
class RelatedNote:
    """One "Inspired by" / "A translation of" / "Translation available" line.

    ``work`` is set when the other work is here and the viewer may see it;
    ``login_needed`` when it is here but restricted and the viewer is a guest.
    """

    translation: bool
    work: Work | None = None
    creators: list = field(default_factory=list)
    url: str = ""
    external_title: str = ""
    external_author: str = ""
    login_needed: bool = False

    @property
    def language(self) -> str:
        return language_name(self.work.language) if self.work else ""


@dataclass
class WorkPage:
    work: Work
    is_creator: bool
    chapters: list[Chapter]
    tags: list[Tag]
    creators: list[Creatorship]
    series: list[SeriesLink]
    gifts: list[Gift]
    parents: list[RelatedNote]
    translations: list[RelatedNote]
    children: list[RelatedNote]

    @property
    def meta_groups(self) -> list[TagGroup]:
        groups = []
        for types, css, one, many in META_GROUPS:
            tags = [tag for tag in self.tags if tag.type in types]
            if tags:
                groups.append(TagGroup(css, one if len(tags) == 1 else many, tags))
        return groups

    @property
    def is_adult(self) -> bool:
        """Rated Not Rated, Mature or Explicit (or not rated at all)."""
        ratings = {tag.pk for tag in self.tags if tag.type == TagType.RATING}
        return not ratings or bool(ratings & ADULT_RATINGS)

    @property
    def language(self) -> str:
        return language_name(self.work.language)

    @property
    def chaptered(self) -> bool:
        return len(self.chapters) > 1 or self.work.expected_chapters != 1

    @property
    def imported_from(self):
        """Where an imported work came from (exchange's ImportedWork), or None.
        An anonymous work keeps its original creators to itself too."""
        record = getattr(self.work, "import_record", None)
        if record is None or not (record.original_url or record.original_creators):
            return None
        if self.work.anonymous and not record.original_url:
            return None
        return record

    def chapter(self, chapter_id: int) -> Chapter | None:
        return next((c for c in self.chapters if c.pk == chapter_id), None)

    def neighbours(self, chapter: Chapter) -> tuple[Chapter | None, Chapter | None]:
        index = self.chapters.index(chapter)
        previous = self.chapters[index - 1] if index > 0 else None
        following = self.chapters[index + 1] if index + 1 < len(self.chapters) else None
        return previous, following


#: Change when what ``_tags`` or ``_creators`` keep changes shape.
TAGS_CACHE_VERSION = 1
CREATORS_CACHE_VERSION = 1
#: What a page shows of a creator: her pseud's and user's names. Nothing else
#: of her rows goes into the cache (anything else read from these objects is
#: loaded on the spot); the user row's password hash and e-mail never do.
_CREATOR_FIELDS = (
    "id", "work_id", "pseud_id", "accepted", "position",
    "pseud__id", "pseud__user_id", "pseud__name", "pseud__is_default",
    "pseud__user__id", "pseud__user__username",
)


def _tags(work: Work) -> list[Tag]:
    """The work's tags in their order. Kept in ``html_cache`` under the work's
    ``version``, which changes with its tags and with a tag's name or type
    (works/services/versions.py), as the meta fragment built from them is
    (``fragments.py``): a reader's page asks the database only once per
    version. Tags hold nothing private: whoever may see the work sees them."""
    key = f"work-tags:{TAGS_CACHE_VERSION}:{work.pk}:{work.version}"
    tags = html_cache.get_many([key]).get(key)
    if tags is None:
        tags = tuple(
            worktag.tag
            for worktag in WorkTag.objects.filter(work=work)
            .select_related("tag")
            .order_by("position", "pk")
        )
        html_cache.set_many({key: tags})
    return list(tags)


def _creators(work: Work) -> list[Creatorship]:
    """The work's accepted creatorships with their pseuds and user names, in
    order. Kept in ``html_cache`` under the work's ``version``, which changes
    with its credits and with a pseud's or user's new name (docs/reading.md,
    "Cached HTML"); only the fields a page shows are read and kept."""
    key = f"work-creators:{CREATORS_CACHE_VERSION}:{work.pk}:{work.version}"
    creators = html_cache.get_many([key]).get(key)
    if creators is None:
        creators = tuple(
            Creatorship.objects.filter(work=work, accepted=True)
            .select_related("pseud__user")
            .only(*_CREATOR_FIELDS)
            .order_by("position", "pk")
        )
        html_cache.set_many({key: creators})
    return list(creators)


def _numbered(chapters) -> list[Chapter]:
    """Readers count the chapters they can see: 1, 2, 3… whatever the positions."""
    chapters = list(chapters)
    for number, chapter in enumerate(chapters, start=1):
        chapter.number = number
        chapter.is_live = chapter.posted or (
            chapter.scheduled_for is not None and chapter.scheduled_for <= timezone.now()
        )
        chapter.published_date = chapter.published_on or timezone.localdate(
            chapter.scheduled_for if chapter.scheduled_for else chapter.created_at
        )
    return chapters


def _series_links(viewer, work: Work) -> list[SeriesLink]:
    # Through the door: an anonymous work beside named ones shows no series, and
    # is no named work's neighbour, unless the viewer may unmask it.
    parts = list(series_parts_visible_to(viewer, SeriesWork.objects.filter(work=work))
                 .select_related("series"))
    if not parts:
        return []
    neighbours = (
        series_parts_visible_to(viewer, SeriesWork.objects.filter(
            series_id__in=[p.series_id for p in parts], work__posted=True))
        .select_related("work")
        .order_by("series_id", "position", "pk")
    )
    by_series: dict[int, list[Work]] = {}
    for part in neighbours:
        by_series.setdefault(part.series_id, []).append(part.work)
    links = []
    for part in parts:
        works = by_series.get(part.series_id, [])
        ids = [each.pk for each in works]
        index = ids.index(work.pk) if work.pk in ids else len(works)
        links.append(
            SeriesLink(
                series=part.series,
                position=index + 1,
                previous=works[index - 1] if index > 0 else None,
                next=works[index + 1] if index + 1 < len(works) else None,
            )
        )
    return links


def _related(viewer, work: Work) -> tuple[list, list, list]:
    links = list(
        RelatedWork.objects.filter(Q(work=work) | Q(parent=work))
        .select_related("parent", "work")
        .order_by("created_at", "pk")
    )
    if not links:
        return [], [], []
    others = {link.parent_id if link.work_id == work.pk else link.work_id for link in links}
    others.discard(None)
    visible = set(works_visible_to(viewer).filter(pk__in=others).values_list("pk", flat=True))
    creators: dict[int, list] = {}
    if visible:
        for creatorship in Creatorship.objects.filter(
            work_id__in=visible, accepted=True
        ).select_related("pseud__user"):
            creators.setdefault(creatorship.work_id, []).append(creatorship)
    guest = not getattr(viewer, "is_authenticated", False)
    parents, translations, children = [], [], []
    for link in links:
        if link.work_id == work.pk:  # this work was inspired by another
            note = RelatedNote(
                translation=link.translation,
                url=link.url,
                external_title=link.external_title,
                external_author=link.external_author,
            )
            parent = link.parent
            if parent is not None and parent.pk in visible:
                note.work, note.creators = parent, creators.get(parent.pk, [])
            elif parent is not None:
                note.login_needed = guest and work_needs_login(viewer, parent.pk)
            parents.append(note)
        elif link.work_id in visible:  # another work was inspired by this one
            note = RelatedNote(
                translation=link.translation,
                work=link.work,
                creators=creators.get(link.work_id, []),
            )
            (translations if link.translation else children).append(note)
    return parents, translations, children


_PAGE_FLAGS: dict[str, str] = {}


def quote_value(value) -> str:
    """A constant of this module (never user input) as an SQL literal."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return "'" + str(value).replace("'", "''") + "'"


def _page_flags() -> dict[str, str]:
    """Whether the work has gifts nobody refused, series, related works or
    approved collections at all, as EXISTS tests on its row (``w``) for the
    work's own query: most works have none, and their own queries (the
    series one goes through the visibility door twice) are then skipped."""
    if not _PAGE_FLAGS:
        from django.db import connection

        quote = connection.ops.quote_name

        def exists(model, where: str) -> str:
            return f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} x WHERE {where})"  # noqa: S608

        def col(model, name: str) -> str:
            return "x." + quote(model._meta.get_field(name).column)

        work_id = "w." + quote(Work._meta.pk.column)
        approved = quote_value(Approval.APPROVED)
        _PAGE_FLAGS.update({
            "has_gifts": exists(Gift, f"{col(Gift, 'work')} = {work_id}"
                                      f" AND {col(Gift, 'refused')} = {quote_value(False)}"),
            "has_series": exists(SeriesWork, f"{col(SeriesWork, 'work')} = {work_id}"),
            "has_related": exists(RelatedWork, f"({col(RelatedWork, 'work')} = {work_id}"
                                               f" OR {col(RelatedWork, 'parent')} = {work_id})"),
            "has_collections": exists(
                CollectionItem,
                f"{col(CollectionItem, 'work')} = {work_id}"
                f" AND {col(CollectionItem, 'user_approval')} = {approved}"
                f" AND {col(CollectionItem, 'collection_approval')} = {approved}"),
        })
    return _PAGE_FLAGS


def work_page(*, viewer, work_id: int) -> WorkPage | None:
    """Everything the work and chapter pages show, or ``None`` if hidden from ``viewer``."""
    # Whether the work has gifts, series, related works or collections at all, in the same
    # query: most have none, and their own queries (the series one goes through
    # the visibility door twice) are then skipped.
    work = visible_work(viewer, work_id, flags=_page_flags(),
                        related=("skin", "import_record"))
    if work is None:
        return None
    creator = bool(work.viewer_is_creator)
    tags = _tags(work)
    creators = _creators(work)
    chapters = _numbered(visible_chapters(viewer, work, creator=creator))
    gifts = list(
        Gift.objects.filter(work=work, refused=False)
        .select_related("recipient")
        .order_by("created_at", "pk")
    ) if work.has_gifts else []
    parents, translations, children = (
        _related(viewer, work) if work.has_related else ([], [], [])
    )
    return WorkPage(
        work=work,
        is_creator=creator,
        chapters=chapters,
        tags=tags,
        creators=creators,
        series=_series_links(viewer, work) if work.has_series else [],
        gifts=gifts,
        parents=parents,
        translations=translations,
        children=children,
    )


def chapter_location(*, viewer, chapter_id: int) -> tuple[int, int] | None:
    """(work id, chapter id) for the short URL /chapters/ID, if the viewer may read it
    (or could, after logging in)."""
    chapter = Chapter.objects.filter(pk=chapter_id).only("pk", "work_id").first()
    if chapter is None:
        return None
    work = annotate_is_creator(works_visible_to(viewer), viewer).filter(pk=chapter.work_id).first()
    if work is None:
        # A guest following a link into a restricted work is sent on to the
        # chapter, where the log-in page waits; anything else stays hidden.
        if work_needs_login(viewer, chapter.work_id) and (
            Chapter.objects.filter(chapter_is_live_q(), pk=chapter_id).exists()
        ):
            return chapter.work_id, chapter_id
        return None
    visible = chapters_visible_to(viewer, work, creator=work.viewer_is_creator)
    if not visible.filter(pk=chapter_id).exists():
        return None
    return work.pk, chapter_id


__all__ = ["WorkPage", "SeriesLink", "RelatedNote", "work_page", "chapter_location",
           "work_needs_login"]
