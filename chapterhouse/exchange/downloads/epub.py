"""The EPUB 3 download: ``render(doc) -> bytes``.

The book holds, in reading order and as AO3's books do: the preface page
first (no cover page before it), one XHTML file per chapter and an
afterword. Around them: the EPUB 3 navigation document, an NCX table of
contents for older readers and a small style sheet, all beside the package
document (``content.opf``) at the root of the zip, as in AO3's files.

The preface, chapter and afterword pages are AO3's download markup, cut from
our HTML download (``exchange/download.html``) so that there is one copy of
it: ``div#preface`` (message, ``dl.tags``, title, ``div.byline``, summary and
notes), per chapter ``div.meta.group[data-published]`` with its heading and
notes, the text in ``div.userstuff`` and the end notes in ``div#endnotesN``,
and ``div#afterword``. User HTML goes through :func:`xhtml.fragment_to_xhtml`,
so the file passes epubcheck (the tests run it). EbookLib only packs the
container, the package document and the NCX.
"""

from __future__ import annotations

import datetime
import io
import re
import uuid
import zipfile
from dataclasses import replace
from html import escape
from urllib.parse import urljoin, urlsplit

import lxml.html
from ebooklib import epub
from lxml import etree

from chapterhouse.exchange.downloads.document import DownloadChapter, DownloadDocument
from chapterhouse.exchange.downloads.xhtml import fragment_to_xhtml, xml_text
from chapterhouse.works.text import strip_html

__all__ = ["render", "book_identifier"]

AFTERWORD = "afterword.xhtml"

STYLE = """\
body { font-family: serif; line-height: 1.4; margin: 0 0.5em; }
h1, h2, h3 { font-family: sans-serif; line-height: 1.2; }
.byline { font-style: italic; }
.message { font-size: 0.9em; }
#preface .toc-heading { display: none; }
dl.tags dt { font-weight: bold; margin-top: 0.4em; }
dl.tags dd { margin-left: 1.5em; }
.meta p { font-weight: bold; margin: 1em 0 0.2em 0; }
.meta blockquote.userstuff { margin: 0.5em 1.5em; }
.endnote-link { font-size: 0.9em; font-style: italic; }
h2.heading, h2.toc-heading { text-align: center; }
div.meta.group { border-bottom: 1px solid #ccc; margin-bottom: 1em; }
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


def stats_line(doc: DownloadDocument) -> str:
    """AO3's stats line: "Published: … Completed: … Words: … Chapters: 2/3"
    (the second date only when it is later than Published, as AO3 prints it)."""
    parts = []
    if doc.published_on:
        parts.append(f"Published: {doc.published_on.isoformat()}")
    if doc.show_status_date:
        parts.append(f"{doc.status_label}: {doc.updated_on.isoformat()}")
    parts.append(f"Words: {doc.word_count:,}")
    parts.append(f"Chapters: {doc.chapters_display}")
    return " ".join(parts)


def chapter_heading(doc: DownloadDocument, chapter: DownloadChapter) -> str:
    """What the table of contents calls a chapter (a one-shot: the work's title)."""
    if doc.one_shot:
        return display_title(doc)
    return chapter.heading or f"Chapter {chapter.position}"


# -- The pages, cut from the HTML download's own markup --------------------------------
#
# The preface, chapter and afterword pages are not written a second time here:
# the HTML download's template (``exchange/download.html``) is rendered with a
# marker in place of every piece of user HTML, the result is cut into pages
# (``div#preface``, each chapter's blocks in ``div#chapters``, ``div#afterword``)
# and written as XML, and each marker is then replaced by that piece of user
# HTML made into XHTML by ``fragment_to_xhtml``. So the EPUB's pages carry
# exactly the HTML file's structure (AO3's), which the AO3 importer reads, and
# user HTML goes through the same XHTML rules as before.

_SLOT = "epub-slot-{}"
_SLOT_RE = re.compile(r"<!--epub-slot-([0-9]+)-->")


class _Slots:
    """User HTML set aside while the template is rendered."""

    def __init__(self, doc: DownloadDocument):
        self.doc = doc
        self.pieces: list[tuple[str, str]] = []

    def hold(self, html: str, prefix: str) -> str:
        if not (html or "").strip():
            return ""
        self.pieces.append((html, prefix))
        return f"<!--{_SLOT.format(len(self.pieces) - 1)}-->"

    def fill(self, markup: str) -> str:
        def piece(match: re.Match) -> str:
            html, prefix = self.pieces[int(match.group(1))]
            return fragment_to_xhtml(html, base_url=self.doc.url, id_prefix=prefix)

        return _SLOT_RE.sub(piece, markup)


def _skeleton(doc: DownloadDocument, slots: _Slots) -> DownloadDocument:
    """``doc`` with markers for its user HTML, its title as the book shows it."""
    chapters = tuple(
        replace(
            chapter,
            summary_html=slots.hold(chapter.summary_html, f"c{chapter.position}-summary-"),
            notes_html=slots.hold(chapter.notes_html, f"c{chapter.position}-notes-"),
            endnotes_html=slots.hold(chapter.endnotes_html, f"c{chapter.position}-end-"),
            content_html=slots.hold(chapter.content_html, f"c{chapter.position}-"),
        )
        for chapter in doc.chapters
    )
    return replace(
        doc,
        title=display_title(doc),
        creators=doc.creators or ("Anonymous",),
        creator_urls=doc.creator_urls if doc.creators else (),
        summary_html=slots.hold(doc.summary_html, "summary-"),
        notes_html=slots.hold(doc.notes_html, "notes-"),
        endnotes_html=slots.hold(doc.endnotes_html, "end-"),
        chapters=chapters,
    )


def _xml(el) -> str:
    return etree.tostring(el, method="xml", encoding="unicode", with_tail=False)


def _by_id(body, name: str):
    found = body.xpath(f'.//*[@id="{name}"]')
    return found[0] if found else None


def _chapter_blocks(chapters_div, doc: DownloadDocument) -> list[list]:
    """The HTML download's ``div#chapters`` children, one list per chapter: a
    chapter starts at its ``div.meta.group`` (or, for a one-shot without a
    heading, is its one ``div.userstuff``)."""
    blocks: list[list] = []
    for child in chapters_div:
        classes = (child.get("class") or "").split() if isinstance(child.tag, str) else []
        starts = {"meta", "group"} <= set(classes) or (
            not doc.chapter_headings and "userstuff" in classes
        )
        if starts or not blocks:
            blocks.append([])
        blocks[-1].append(child)
    return [block for block in blocks if any(isinstance(el.tag, str) for el in block)]


def _chapter_body(doc: DownloadDocument, block: list) -> str:
    parts = ['<section epub:type="chapter">', '<div id="chapters" class="userstuff">']
    if not doc.chapter_headings:
        # AO3's one-shot: no chapter heading, only a heading for tables of contents.
        parts.append(f'<h2 class="toc-heading">{_e(display_title(doc))}</h2>')
    parts.extend(_xml(el) for el in block)
    parts += ["</div>", "</section>"]
    return "\n".join(parts)


def _ao3_pages(doc: DownloadDocument) -> tuple[str, list[str], str]:
    """The bodies of the preface, chapter and afterword pages (XHTML markup)."""
    from chapterhouse.exchange.downloads import html as html_download

    slots = _Slots(doc)
    rendered = html_download.render(_skeleton(doc, slots)).decode("utf-8")
    parser = lxml.html.HTMLParser(remove_comments=False, remove_pis=True)
    body = lxml.html.document_fromstring(xml_text(rendered), parser=parser).body
    preface = _by_id(body, "preface")
    for link in body.iter("a"):
        href = link.get("href")
        if href == "#endnotes" and preface in link.iterancestors():
            # The work's end notes are on the afterword page.
            link.set("href", f"{AFTERWORD}#endnotes")
        elif href and not href.startswith("#") and not urlsplit(href).scheme:
            # Site-relative addresses mean nothing inside a book.
            if doc.url:
                link.set("href", urljoin(doc.url, href))
            else:
                del link.attrib["href"]
    preface_body = f'<section epub:type="titlepage">\n{_xml(preface)}\n</section>'
    chapters_div = _by_id(body, "chapters")
    chapter_bodies = [
        _chapter_body(doc, block) for block in _chapter_blocks(chapters_div, doc)
    ]
    afterword_body = (
        f'<section epub:type="afterword">\n{_xml(_by_id(body, "afterword"))}\n</section>'
    )
    return (
        slots.fill(preface_body),
        [slots.fill(each) for each in chapter_bodies],
        slots.fill(afterword_body),
    )


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

    preface_body, chapter_bodies, afterword_body = _ao3_pages(doc)
    if len(chapter_bodies) != len(doc.chapters):  # the template and the cut disagree
        raise ValueError("the HTML download's chapters could not be cut into pages")
    preface = _document(
        "preface", "preface.xhtml", "Preface", _page(doc, display_title(doc), preface_body)
    )
    chapters = [
        _document(
            f"chapter{chapter.position}",
            f"chapter{chapter.position}.xhtml",
            chapter_heading(doc, chapter),
            _page(doc, chapter_heading(doc, chapter), body),
        )
        for chapter, body in zip(doc.chapters, chapter_bodies, strict=True)
    ]
    afterword = _document(
        "afterword", AFTERWORD, "Afterword", _page(doc, "Afterword", afterword_body)
    )
    pages = [preface, *chapters, afterword]
    for page in pages:
        book.add_item(page)

    book.toc = [epub.Link(page.file_name, xml_text(page.title), page.id) for page in pages]
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(title="Contents")
    nav.add_link(href="style.css", rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.guide = [
        {"type": "title-page", "title": "Preface", "href": preface.file_name},
        {"type": "text", "title": "Begin Reading", "href": (chapters or [afterword])[0].file_name},
    ]
    book.spine = pages

    out = io.BytesIO()
    epub.write_epub(
        out,
        book,
        {"mtime": _modified(doc), "epub3_pages": False, "landmark_title": "Landmarks"},
    )
    return _package_at_root(out.getvalue())


def _package_at_root(data: bytes) -> bytes:
    """EbookLib's zip with its ``EPUB/`` folder's files moved to the root, as
    AO3's (Calibre's) books have them: ``content.opf`` beside ``META-INF``. The
    package's own references are relative to it, so they stay as they are."""
    folder = "EPUB/"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as book:
        for info in source.infolist():
            content = source.read(info)
            name = info.filename
            if name == "META-INF/container.xml":
                content = content.replace(
                    f'full-path="{folder}content.opf"'.encode(), b'full-path="content.opf"'
                )
            elif name.startswith(folder):
                name = name.removeprefix(folder)
            moved = zipfile.ZipInfo(name, date_time=info.date_time)
            moved.compress_type = info.compress_type
            moved.external_attr = info.external_attr
            book.writestr(moved, content)
    return out.getvalue()
