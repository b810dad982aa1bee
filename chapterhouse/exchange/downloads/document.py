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


@dataclass(frozen=True)
class TagGroup:
    """One line of the metadata: "Fandom:" and its tag names, in order."""

    label: str          # "Rating", "Archive Warning", "Category", "Fandom",
                        # "Relationship", "Character", "Additional Tags"
    names: tuple[str, ...]


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

    @property
    def one_shot(self) -> bool:
        return len(self.chapters) == 1

    def tags(self, label: str) -> tuple[str, ...]:
        for group in self.tag_groups:
            if group.label == label:
                return group.names
        return ()


def document_for(work) -> DownloadDocument:
    """Everything the downloads of ``work`` show. The caller has checked that
    the reader may see the work."""
    raise NotImplementedError
