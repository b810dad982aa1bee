"""The plain-text download: the HTML download's content as readable UTF-8 text.

The same parts in the same order: the preface (title, where it was posted,
the metadata with "Chapters: N/M", title, byline, summary, notes), each
chapter with its heading and notes, then the afterword. Paragraphs are
separated by blank lines; block quotes (the notes) are indented.
"""

from __future__ import annotations

import textwrap

from chapterhouse.works.text import strip_html

from .document import DownloadChapter, DownloadDocument

CONTENT_TYPE = "text/plain; charset=utf-8"
RULE = "=" * 40
NOTE_INDENT = "    "


def _text(html: str) -> str:
    return strip_html(html)


def _quoted(html: str) -> str:
    """A note, indented as the HTML's blockquote is."""
    return textwrap.indent(_text(html), NOTE_INDENT)


def _preface(doc: DownloadDocument) -> list[str]:
    lines = [
        doc.title,
        f"Posted originally on the {doc.site_name} at {doc.url}.",
        "",
    ]
    for group in doc.tag_groups:
        lines.append(f"{group.heading}: {', '.join(group.names)}")
    lines.append(f"Language: {doc.language_name}")
    if doc.series:
        parts = ", ".join(f"Part {part.position} of {part.title}" for part in doc.series)
        lines.append(f"Series: {parts}")
    stats = [f"Published: {doc.published_on.isoformat() if doc.published_on else ''}"]
    if doc.show_status_date:
        stats.append(f"{doc.status_label}: {doc.updated_on.isoformat()}")
    stats.append(f"Words: {doc.word_count:,}")
    stats.append(f"Chapters: {doc.chapters_display}")
    lines.append(f"Stats: {' '.join(stats)}")
    lines += ["", "", doc.title, f"by {doc.creators_display}"]
    if doc.summary_html:
        lines += ["", "Summary", "", _quoted(doc.summary_html)]
    if doc.notes_html or doc.endnotes_html:
        lines += ["", "Notes"]
        if doc.notes_html:
            lines += ["", _quoted(doc.notes_html)]
        if doc.endnotes_html:
            more = "more " if doc.notes_html else ""
            lines += ["", f"(See the end of the work for {more}notes.)"]
    return lines


def _chapter(chapter: DownloadChapter, *, heading: bool) -> list[str]:
    lines: list[str] = []
    if heading:
        lines += [chapter.heading, ""]
        if chapter.summary_html:
            lines += ["Chapter Summary", "", _quoted(chapter.summary_html), ""]
        if chapter.notes_html or chapter.endnotes_html:
            lines += ["Chapter Notes", ""]
            if chapter.notes_html:
                lines += [_quoted(chapter.notes_html), ""]
            if chapter.endnotes_html:
                more = "more " if chapter.notes_html else ""
                lines += [f"(See the end of the chapter for {more}notes.)", ""]
        lines += ["-" * 20, ""]
    lines.append(_text(chapter.content_html))
    if chapter.endnotes_html:
        lines += ["", "Chapter End Notes", "", _quoted(chapter.endnotes_html)]
    return lines


def _afterword(doc: DownloadDocument) -> list[str]:
    lines = ["Afterword"]
    if doc.endnotes_html:
        lines += ["", "End Notes", "", _quoted(doc.endnotes_html)]
    if doc.series:
        lines += ["", "Series this work belongs to:"]
        lines += [f"- Part {part.position} of {part.title}: {part.url}" for part in doc.series]
    lines += [
        "",
        f"Did you enjoy this work? Leave a comment for its creator at {doc.url}.",
    ]
    return lines


def render(doc: DownloadDocument) -> bytes:
    lines = _preface(doc)
    for chapter in doc.chapters:
        lines += ["", "", RULE, ""]
        lines += _chapter(chapter, heading=doc.chapter_headings)
    lines += ["", "", RULE, ""]
    lines += _afterword(doc)
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")
