"""A work read from a file, before it becomes a work here.

Every reader (``ao3.py`` for AO3 HTML and EPUB downloads, ``plain.py`` for
plain text, Markdown and DOCX, ``efiction/`` for a whole archive) produces
``ParsedWork``; ``services.work_import`` is the one door that turns it into a
work, through the works services, so every rule of posting applies.

Texts are HTML unless their ``*_format`` says otherwise; ``work_import``
sanitises them like any text a writer types.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from chapterhouse.works.text import TextFormat


class ImportProblem(ValidationError):
    """The file cannot be imported; the message names what is wrong with it,
    e.g. "This is not an AO3 download: it has no work metadata (dl.tags)"."""


@dataclass
class ParsedChapter:
    title: str = ""
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    content: str = ""
    content_format: str = TextFormat.HTML
    published_on: datetime.date | None = None


@dataclass
class ParsedSeries:
    title: str
    position: int = 1


@dataclass
class ParsedWork:
    title: str = ""
    creators: list[str] = field(default_factory=list)   # names as the file shows them
    rating: str = ""                                     # a rating's name: "Mature"
    warnings: list[str] = field(default_factory=list)    # names, AO3's spelling
    categories: list[str] = field(default_factory=list)  # "F/M", "Gen", …
    fandoms: list[str] = field(default_factory=list)
    relationships: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    freeforms: list[str] = field(default_factory=list)
    language: str = ""                                   # a code ("en") or a name ("English")
    series: list[ParsedSeries] = field(default_factory=list)
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    text_format: str = TextFormat.HTML                   # of summary, notes and endnotes
    chapters: list[ParsedChapter] = field(default_factory=list)
    published_on: datetime.date | None = None
    updated_on: datetime.date | None = None
    expected_chapters: int | None = None                 # None: unknown ("?")
    original_url: str = ""
    source: str = ""                                     # an ImportSource value
    #: Things the reader noticed but could not keep, for the import page to show.
    remarks: list[str] = field(default_factory=list)
    #: The author named in the file ("by NAME", "Author: NAME") when the file is
    #: not an AO3 download: shown on the import's preview, never credited.
    byline: str = ""
    #: The file had no line breaks: its paragraphs were guessed by the reader.
    paragraphs_guessed: bool = False

    def detected(self) -> list[tuple[str, str]]:
        """What the reader found, as (label, value) rows for the import's preview.
        Words are counted as on AO3 (``works.text.word_count``), notes left out."""
        from chapterhouse.works.text import word_count

        def shown(text: str, limit: int = 160) -> str:
            text = " ".join(text.split())
            return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"

        plain = self.text_format != TextFormat.HTML
        words = sum(word_count(c.content, is_html=c.content_format == TextFormat.HTML)
                    for c in self.chapters)
        paragraphs = sum(_paragraph_count(c.content, c.content_format) for c in self.chapters)
        rows = [("Title", self.title)]
        if self.byline:
            rows.append(("Byline", f"{self.byline} (not credited: the work is yours)"))
        for label, text in (("Summary", self.summary), ("Beginning notes", self.notes),
                            ("End notes", self.endnotes)):
            rows.append((label, shown(text) if text.strip() else "none found"))
        rows.append(("Chapters", str(len(self.chapters))))
        rows.append(("Words", f"{words:,}"))
        if plain:
            rows.append(("Paragraphs", f"{paragraphs:,}" + (
                " (guessed: the file had no line breaks)" if self.paragraphs_guessed else "")))
        return rows


def _paragraph_count(content: str, content_format: str) -> int:
    if content_format == TextFormat.HTML:
        return content.count("<p")
    return sum(1 for block in re.split(r"\n[ \t]*\n", content) if block.strip())
