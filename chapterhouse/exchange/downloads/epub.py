"""The EPUB 3 download: ``render(doc) -> bytes``.

The book holds, in reading order: a cover page (the title and creators as
text; no image), the preface page (AO3's message with the work's address, the
metadata as a ``<dl>``, summary and notes), one XHTML file per chapter (its
heading, summary, notes, text and end notes) and an afterword (the work's end
notes, its series, a goodbye). Around them: the EPUB 3 navigation document,
an NCX table of contents for older readers and a small style sheet.

Every page is written here as complete XHTML, and user HTML goes through
:func:`xhtml.fragment_to_xhtml`, so the file passes epubcheck (the tests run
it). EbookLib only packs the container, the package document and the NCX.
"""

from __future__ import annotations

import datetime
import io
import uuid
from html import escape

from ebooklib import epub

from chapterhouse.exchange.downloads.document import DownloadChapter, DownloadDocument
from chapterhouse.exchange.downloads.xhtml import fragment_to_xhtml, xml_text
from chapterhouse.works.text import strip_html

__all__ = ["render", "book_identifier"]

STYLE = """\
body { font-family: serif; line-height: 1.4; margin: 0 0.5em; }
h1, h2, h3 { font-family: sans-serif; line-height: 1.2; }
.cover { text-align: center; margin-top: 30%; }
.cover .title { font-size: 2em; }
.cover .byline, .byline { font-style: italic; }
.message { font-size: 0.9em; }
dl.tags dt { font-weight: bold; margin-top: 0.4em; }
dl.tags dd { margin-left: 1.5em; }
.notes, .summary, .endnotes { margin: 1em 0; }
.notes blockquote, .summary blockquote, .endnotes blockquote { margin: 0.5em 1.5em; }
.userstuff p { margin: 0 0 0.8em 0; }
.align-center, .center { text-align: center; }
.align-right { text-align: right; }
.align-left { text-align: left; }
.align-justify { text-align: justify; }
.big { font-size: larger; }
.tt { font-family: monospace; }
.image { font-style: italic; }
table { border-collapse: collapse; }
td, th { border: 1px solid #888; padding: 0.2em 0.4em; }
hr { margin: 1em 0; }
"""

XHTML_PAGE = """\
<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" \
lang="{lang}" xml:lang="{lang}">
<head>
<title>{title}</title>
<link rel="stylesheet" type="text/css" href="style.css"/>
</head>
<body>
{body}
</body>
</html>
"""


def _e(text: str | None) -> str:
    """Escape plain text for XHTML."""
    return escape(xml_text(text), quote=True)


def display_title(doc: DownloadDocument) -> str:
    """The title as the book shows it ("Untitled" when there is none)."""
    return " ".join(xml_text(doc.title).split()) or "Untitled"


def book_identifier(doc: DownloadDocument) -> str:
    """A stable ``urn:uuid`` for the work: the same on every download."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, doc.url or f'work:{doc.work_id}')}"


def _language(doc: DownloadDocument) -> str:
    code = (doc.language_code or "").strip()
    return code if code.replace("-", "").isalnum() and len(code) <= 35 else "en"


def _page(doc: DownloadDocument, title: str, body: str) -> bytes:
    title = " ".join(xml_text(title).split()) or "Untitled"
    return XHTML_PAGE.format(lang=_language(doc), title=_e(title), body=body).encode("utf-8")


def _userstuff(doc: DownloadDocument, html: str, *, prefix: str) -> str:
    return fragment_to_xhtml(html, base_url=doc.url, id_prefix=prefix)


def _block(doc, heading: str, html: str, *, css: str, prefix: str) -> str:
    """A heading and a quoted block of user HTML (AO3's summary/notes look)."""
    if not (html or "").strip():
        return ""
    return (
        f'<div class="{css}">\n<h3>{_e(heading)}</h3>\n'
        f'<blockquote class="userstuff">{_userstuff(doc, html, prefix=prefix)}</blockquote>\n'
        "</div>"
    )


def _byline(doc: DownloadDocument) -> str:
    return ", ".join(_e(name) for name in doc.creators) or "Anonymous"


def _cover_page(doc: DownloadDocument) -> bytes:
    body = (
        '<section class="cover" epub:type="cover">\n'
        f'<h1 class="title">{_e(display_title(doc))}</h1>\n'
        f'<p class="byline">by {_byline(doc)}</p>\n'
        f'<p class="site">{_e(doc.site_name)}</p>\n'
        "</section>"
    )
    return _page(doc, display_title(doc), body)


def _series_links(doc: DownloadDocument) -> list[str]:
    return [
        f'Part {part.position} of <a href="{_e(part.url)}">{_e(part.title)}</a>'
        for part in doc.series
    ]


def stats_line(doc: DownloadDocument) -> str:
    """AO3's stats line: "Published: … Completed: … Words: … Chapters: 2/3"."""
    parts = []
    if doc.published_on:
        parts.append(f"Published: {doc.published_on.isoformat()}")
    if doc.updated_on and (doc.updated_on != doc.published_on or not doc.one_shot):
        label = "Completed" if doc.complete else "Updated"
        parts.append(f"{label}: {doc.updated_on.isoformat()}")
    parts.append(f"Words: {doc.word_count:,}")
    parts.append(f"Chapters: {doc.chapters_display}")
    return " ".join(parts)


def _preface_page(doc: DownloadDocument) -> bytes:
    rows = []
    for group in doc.tag_groups:
        names = ", ".join(_e(name) for name in group.names)
        rows.append(f"<dt>{_e(group.label)}:</dt>\n<dd>{names}</dd>")
    rows.append(f"<dt>Language:</dt>\n<dd>{_e(doc.language_name or doc.language_code)}</dd>")
    series = _series_links(doc)
    if series:
        rows.append("<dt>Series:</dt>\n<dd>" + "<br/>".join(series) + "</dd>")
    rows.append(f"<dt>Stats:</dt>\n<dd>{_e(stats_line(doc))}</dd>")
    body = (
        '<section id="preface" epub:type="titlepage">\n'
        f'<p class="message"><b>{_e(display_title(doc))}</b><br/>\n'
        f"Posted originally on the {_e(doc.site_name)} at "
        f'<a href="{_e(doc.url)}">{_e(doc.url)}</a>.</p>\n'
        '<div class="meta">\n<dl class="tags">\n' + "\n".join(rows) + "\n</dl>\n"
        f"<h1>{_e(display_title(doc))}</h1>\n"
        f'<p class="byline">by {_byline(doc)}</p>\n'
        + _block(doc, "Summary", doc.summary_html, css="summary", prefix="summary-")
        + _block(doc, "Notes", doc.notes_html, css="notes", prefix="notes-")
        + "\n</div>\n</section>"
    )
    return _page(doc, display_title(doc), body)


def chapter_heading(doc: DownloadDocument, chapter: DownloadChapter) -> str:
    """What the table of contents and the chapter page call a chapter."""
    if doc.one_shot:
        return display_title(doc)
    return chapter.heading or f"Chapter {chapter.position}"


def _chapter_page(doc: DownloadDocument, chapter: DownloadChapter) -> bytes:
    prefix = f"c{chapter.position}-"
    heading = chapter_heading(doc, chapter)
    body = (
        f'<section id="chapter-{chapter.position}" epub:type="chapter">\n'
        f'<h2 class="heading">{_e(heading)}</h2>\n'
        + _block(doc, "Chapter Summary", chapter.summary_html, css="summary",
                 prefix=prefix + "summary-")
        + _block(doc, "Chapter Notes", chapter.notes_html, css="notes", prefix=prefix + "notes-")
        + f'\n<div class="userstuff">{_userstuff(doc, chapter.content_html, prefix=prefix)}'
        "</div>\n"
        + _block(doc, "Chapter End Notes", chapter.endnotes_html, css="endnotes",
                 prefix=prefix + "end-")
        + "\n</section>"
    )  # fmt: skip
    return _page(doc, heading, body)


def _afterword_page(doc: DownloadDocument) -> bytes:
    parts = ['<section id="afterword" epub:type="afterword">', "<h2>Afterword</h2>"]
    parts.append(_block(doc, "End Notes", doc.endnotes_html, css="endnotes", prefix="end-"))
    series = _series_links(doc)
    if series:
        parts.append('<div class="series">\n<h3>Series this work belongs to:</h3>')
        parts.append("<ul>" + "".join(f"<li>{link}</li>" for link in series) + "</ul>\n</div>")
    parts.append(
        f'<p class="message">Please drop by the {_e(doc.site_name)} and comment to let the '
        f'creator know if you enjoyed their work! <a href="{_e(doc.url)}">{_e(doc.url)}</a></p>'
    )
    parts.append("</section>")
    return _page(doc, "Afterword", "\n".join(part for part in parts if part))


def _document(uid: str, file_name: str, title: str, content: bytes) -> epub.EpubItem:
    item = epub.EpubItem(
        uid=uid, file_name=file_name, media_type="application/xhtml+xml", content=content
    )
    item.title = title
    return item


def _modified(doc: DownloadDocument) -> datetime.datetime:
    stamps = [stamp for stamp in (doc.updated_at, doc.revised_at) if stamp is not None]
    if not stamps:
        day = doc.updated_on or doc.published_on or datetime.date(2000, 1, 1)
        return datetime.datetime(day.year, day.month, day.day)
    stamp = max(stamps, key=lambda value: value.timestamp())
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.UTC)
    return stamp


def render(doc: DownloadDocument) -> bytes:
    """The EPUB 3 file of ``doc``."""
    book = epub.EpubBook()
    book.set_identifier(book_identifier(doc))
    book.set_title(display_title(doc))
    book.set_language(_language(doc))
    for index, name in enumerate(doc.creators or ("Anonymous",)):
        book.add_author(xml_text(name), uid=f"creator{index}")
    if doc.published_on:
        book.add_metadata("DC", "date", doc.published_on.isoformat())
    for group in doc.tag_groups:
        for name in group.names:
            book.add_metadata("DC", "subject", xml_text(name))
    summary = xml_text(strip_html(doc.summary_html or "")).strip()
    if summary:
        book.add_metadata("DC", "description", summary)
    book.add_metadata("DC", "publisher", xml_text(doc.site_name))
    book.add_metadata("DC", "source", xml_text(doc.url))

    style = epub.EpubItem(
        uid="style", file_name="style.css", media_type="text/css", content=STYLE.encode()
    )
    book.add_item(style)

    cover = _document("cover", "cover.xhtml", "Cover", _cover_page(doc))
    preface = _document("preface", "preface.xhtml", "Preface", _preface_page(doc))
    chapters = [
        _document(
            f"chapter{chapter.position}",
            f"chapter{chapter.position}.xhtml",
            chapter_heading(doc, chapter),
            _chapter_page(doc, chapter),
        )
        for chapter in doc.chapters
    ]
    afterword = _document("afterword", "afterword.xhtml", "Afterword", _afterword_page(doc))
    pages = [cover, preface, *chapters, afterword]
    for page in pages:
        book.add_item(page)

    book.toc = [epub.Link(page.file_name, xml_text(page.title), page.id) for page in pages[1:]]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="Contents")
    nav.add_link(href="style.css", rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.guide = [
        {"type": "cover", "title": "Cover", "href": cover.file_name},
        {"type": "text", "title": "Begin Reading", "href": (chapters or [afterword])[0].file_name},
    ]
    book.spine = [cover, preface, *chapters, afterword]

    out = io.BytesIO()
    epub.write_epub(
        out,
        book,
        {"mtime": _modified(doc), "epub3_pages": False, "landmark_title": "Landmarks"},
    )
    return out.getvalue()
