"""A work as every download format sees it.

``document_for(work)`` gathers, once, everything the files show: AO3's
preface (a line with the work's address, then the metadata), the summary
and notes, each posted chapter with its own notes, and the afterword. Each
renderer (``html.py``, ``text.py``, ``epub.py``, ``pdf.py``) turns this into
bytes; none of them reads the database.

Every HTML field here is already sanitised (it is what the work page shows).
Anonymous works carry "Anonymous" as their only creator and no user links.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

#: The metadata groups in AO3's order: (label, label for several, tag types).
#: Unsorted tags were typed as additional tags and show with them, as on the work page.
TAG_GROUP_ORDER: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Rating", "Ratings", ("Rating",)),
    ("Archive Warning", "Archive Warnings", ("ArchiveWarning",)),
    ("Category", "Categories", ("Category",)),
    ("Fandom", "Fandoms", ("Fandom",)),
    ("Relationship", "Relationships", ("Relationship",)),
    ("Character", "Characters", ("Character",)),
    ("Additional Tags", "Additional Tags", ("Freeform", "UnsortedTag")),
)
_PLURALS = {one: many for one, many, _types in TAG_GROUP_ORDER}


@dataclass(frozen=True)
class TagGroup:
    """One line of the metadata: "Fandom:" and its tag names, in order."""

    label: str          # "Rating", "Archive Warning", "Category", "Fandom",
                        # "Relationship", "Character", "Additional Tags"
    names: tuple[str, ...]
    urls: tuple[str, ...] = ()   # absolute tag listing URLs, one per name

    @property
    def heading(self) -> str:
        """The label as AO3's downloads print it: plural when there are several
        ("Fandoms", "Categories"); "Additional Tags" either way."""
        return self.label if len(self.names) == 1 else _PLURALS.get(self.label, self.label)

    def links(self) -> tuple[tuple[str, str], ...]:
        """(name, url) pairs; the url is "" when unknown."""
        urls = self.urls or ("",) * len(self.names)
        return tuple(zip(self.names, urls, strict=True))


@dataclass(frozen=True)
class SeriesPart:
    title: str
    position: int
    url: str            # absolute: SITE_URL + /series/ID


@dataclass(frozen=True)
class DownloadChapter:
    position: int       # 1-based among posted chapters
    title: str          # the chapter's own title, may be ""
    heading: str        # "Chapter 2: The Lighthouse" or "Chapter 2"
    summary_html: str
    notes_html: str
    endnotes_html: str
    content_html: str
    published_on: datetime.date | None
    word_count: int


@dataclass(frozen=True)
class DownloadDocument:
    work_id: int
    title: str
    creators: tuple[str, ...]          # pseud names as bylines show them ("Anonymous")
    url: str                           # absolute: SITE_URL + /works/ID
    site_name: str
    language_code: str                 # "en"
    language_name: str                 # "English"
    tag_groups: tuple[TagGroup, ...]   # only groups with names, in AO3's order
    series: tuple[SeriesPart, ...]
    summary_html: str
    notes_html: str
    endnotes_html: str
    chapters: tuple[DownloadChapter, ...]
    published_on: datetime.date | None
    updated_on: datetime.date | None   # the Updated/Completed date
    complete: bool
    chapters_display: str              # "3/5", "3/?"
    word_count: int
    restricted: bool
    revised_at: datetime.datetime | None
    updated_at: datetime.datetime      # the work row's last change: cache key
    stats: dict[str, int] = field(default_factory=dict)  # kudos, hits, bookmarks, comments
    # Added by the downloads themselves (not in the first contract):
    creator_urls: tuple[str, ...] = ()  # absolute pseud URLs, parallel to creators; () if anonymous
    site_url: str = ""                  # SITE_URL, no trailing slash
    anonymous: bool = False

    @property
    def creators_display(self) -> str:
        return ", ".join(self.creators)

    @property
    def creator_links(self) -> tuple[tuple[str, str], ...]:
        """(name, url) pairs for bylines; the url is "" for "Anonymous"."""
        urls = self.creator_urls or ("",) * len(self.creators)
        return tuple(zip(self.creators, urls, strict=True))

    @property
    def status_label(self) -> str:
        """AO3's word for the second date: "Completed" or "Updated"."""
        return "Completed" if self.complete else "Updated"

    @property
    def show_status_date(self) -> bool:
        """AO3 prints the Updated/Completed date only when it is later than Published."""
        return bool(
            self.updated_on and (self.published_on is None or self.updated_on > self.published_on)
        )

    @property
    def chapter_headings(self) -> bool:
        """AO3 gives a one-shot no chapter heading; we do the same unless its one
        chapter has a title, summary or notes of its own, which would otherwise
        be lost (then it is laid out like a chaptered work's chapter)."""
        if len(self.chapters) != 1:
            return True
        only = self.chapters[0]
        return bool(only.title or only.summary_html or only.notes_html or only.endnotes_html)

    @property
    def one_shot(self) -> bool:
        return len(self.chapters) == 1

    def tags(self, label: str) -> tuple[str, ...]:
        for group in self.tag_groups:
            if group.label == label:
                return group.names
        return ()


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _clean(html: str) -> str:
    # Stored texts are sanitised when they are saved; sanitising again is
    # idempotent and guarantees that nothing unsafe reaches a file whatever
    # wrote the row (an import, a factory, an old release).
    from chapterhouse.works.text import sanitize_stored_html

    return sanitize_stored_html(html or "")


def _tag_groups(work) -> tuple[TagGroup, ...]:
    from chapterhouse.tags.page_selectors import tag_path
    from chapterhouse.works.models import WorkTag

    tags = [
        worktag.tag
        for worktag in WorkTag.objects.filter(work=work)
        .select_related("tag")
        .order_by("position", "pk")
    ]
    groups = []
    for label, _many, types in TAG_GROUP_ORDER:
        chosen = [tag for tag in tags if tag.type in types]
        if chosen:
            groups.append(
                TagGroup(
                    label=label,
                    names=tuple(tag.name for tag in chosen),
                    urls=tuple(_absolute(tag_path(tag.name, "/works")) for tag in chosen),
                )
            )
    return tuple(groups)


def _pseud_display(pseud) -> str:
    username = pseud.user.username
    return pseud.name if pseud.name == username else f"{pseud.name} ({username})"


def _creators(work) -> tuple[tuple[str, ...], tuple[str, ...]]:
    from chapterhouse.works.models import Creatorship

    if work.anonymous:
        return ("Anonymous",), ()
    creatorships = (
        Creatorship.objects.filter(work=work, accepted=True)
        .select_related("pseud__user")
        .order_by("position", "pk")
    )
    names, urls = [], []
    for creatorship in creatorships:
        pseud = creatorship.pseud
        names.append(_pseud_display(pseud))
        urls.append(
            _absolute(
                f"/users/{quote(pseud.user.username, safe='')}/pseuds/{quote(pseud.name, safe='')}"
            )
        )
    return tuple(names), tuple(urls)


def _series(work) -> tuple[SeriesPart, ...]:
    """Each series the work is in, with its place counted among the series'
    posted works that an admin has not hidden (what signed-in readers see)."""
    from chapterhouse.works.models import SeriesWork
    from chapterhouse.works.selectors.visibility import anonymous_among_named_q

    # A download reads the same to everyone: an anonymous work beside named
    # ones shows no series, and is counted in none (visibility.md).
    in_view = SeriesWork.objects.exclude(anonymous_among_named_q())
    parts = list(in_view.filter(work=work).select_related("series"))
    if not parts:
        return ()
    members = (
        in_view.filter(
            series_id__in=[part.series_id for part in parts],
            work__posted=True,
            work__hidden_by_admin=False,
        )
        .order_by("series_id", "position", "pk")
        .values_list("series_id", "work_id")
    )
    order: dict[int, list[int]] = {}
    for series_id, work_id in members:
        order.setdefault(series_id, []).append(work_id)
    result = []
    for part in sorted(parts, key=lambda each: (each.series.created_at, each.series_id)):
        ids = order.get(part.series_id, [])
        position = ids.index(work.pk) + 1 if work.pk in ids else part.position
        result.append(
            SeriesPart(
                title=part.series.title,
                position=position,
                url=_absolute(f"/series/{part.series_id}"),
            )
        )
    return tuple(result)


def _chapters(work) -> tuple[DownloadChapter, ...]:
    """The chapters every reader may read: posted (or due by their schedule),
    never drafts, whoever asks for the file."""
    from chapterhouse.works.selectors.visibility import chapters_visible_to

    chapters = []
    live = chapters_visible_to(AnonymousUser(), work, creator=False)
    for number, chapter in enumerate(live, start=1):
        title = chapter.title or ""
        published = chapter.published_on or timezone.localdate(
            chapter.scheduled_for or chapter.created_at
        )
        chapters.append(
            DownloadChapter(
                position=number,
                title=title,
                heading=f"Chapter {number}: {title}" if title else f"Chapter {number}",
                summary_html=_clean(chapter.summary),
                notes_html=_clean(chapter.notes),
                endnotes_html=_clean(chapter.endnotes),
                content_html=_clean(chapter.content),
                published_on=published,
                word_count=chapter.word_count,
            )
        )
    return tuple(chapters)


def document_for(work) -> DownloadDocument:
    """Everything the downloads of ``work`` show. The caller has checked that
    the reader may see the work.

    The document is the same whoever downloads it (creator, reader, admin), so
    one cached file serves everyone: only live chapters, "Anonymous" for an
    anonymous work. Five queries, however long the work.
    """
    from chapterhouse.works.languages import language_name

    chapters = _chapters(work)
    creators, creator_urls = _creators(work)
    published = work.published_on or (chapters[0].published_on if chapters else None)
    if published is None:
        published = timezone.localdate(work.created_at)
    updated = timezone.localdate(work.revised_at) if work.revised_at else published
    expected = "?" if work.expected_chapters is None else str(work.expected_chapters)
    return DownloadDocument(
        work_id=work.pk,
        title=work.title,
        creators=creators,
        url=_absolute(f"/works/{work.pk}"),
        site_name=settings.SITE_NAME,
        language_code=work.language or "en",
        language_name=language_name(work.language or "en"),
        tag_groups=_tag_groups(work),
        series=_series(work),
        summary_html=_clean(work.summary),
        notes_html=_clean(work.notes),
        endnotes_html=_clean(work.endnotes),
        chapters=chapters,
        published_on=published,
        updated_on=updated,
        complete=bool(work.complete),
        chapters_display=f"{len(chapters)}/{expected}",
        word_count=sum(chapter.word_count for chapter in chapters),
        restricted=bool(work.restricted),
        revised_at=work.revised_at,
        updated_at=work.updated_at,
        stats={
            "kudos": work.kudos_count,
            "hits": work.hit_count,
            "bookmarks": work.bookmark_count,
            "comments": work.comment_count,
        },
        creator_urls=creator_urls,
        site_url=settings.SITE_URL.rstrip("/"),
        anonymous=bool(work.anonymous),
    )
