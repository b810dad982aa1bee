"""Reading AO3's downloads: the HTML file and the EPUB.

Both formats carry the same markup, AO3's download templates: a preface (a
message with the work's address, the tag list ``dl.tags`` with "Stats:", the
title, the byline, the summary and the notes), the chapters (for works with
chapters, each opens with ``div.meta.group`` holding ``h2.heading`` and the
chapter's own summary and notes; the text sits in ``div.userstuff``; chapter
end notes follow in ``div#endnotesN``) and an afterword with the work's end
notes. The EPUB spreads that markup over several XHTML files, sometimes
splitting one section in two, so both readers join everything into one
document and read it in order, the same way.

The reader is deliberately forgiving about which version of AO3 wrote the
file: labels come singular or plural ("Archive Warning:" / "Archive
Warnings:"), older files have no ``#preface``/``#afterword`` wrappers, older
one-shots put the text straight into ``#chapters``, older chapter headings
carry only the chapter's title. Everything it reads is untrusted: the
texts it returns are HTML that ``services.work_import`` sanitises.
"""

from __future__ import annotations

import datetime
import posixpath
import re
from copy import deepcopy
from urllib.parse import unquote

import lxml.html
from lxml import etree

from ..models import ImportSource
from .archives import EPUB_LIMITS, Archive, archive_open
from .parsed import ImportProblem, ParsedChapter, ParsedSeries, ParsedWork

#: The largest file we read, HTML or EPUB.
MAX_FILE_BYTES = 20 * 1024 * 1024
# What an EPUB may unpack to (zip bombs): see archives.EPUB_LIMITS.

NO_METADATA = (
    "This file does not look like an AO3 download: it has no work metadata "
    "(the tag list under the title)."
)

# Labels of the tag list, singular and plural, as every AO3 version wrote them.
_LABELS = {
    "rating": "rating", "ratings": "rating",
    "archive warning": "warnings", "archive warnings": "warnings",
    "warning": "warnings", "warnings": "warnings",
    "category": "categories", "categories": "categories",
    "fandom": "fandoms", "fandoms": "fandoms",
    "relationship": "relationships", "relationships": "relationships",
    "character": "characters", "characters": "characters",
    "additional tags": "freeforms", "additional tag": "freeforms",
    "freeform": "freeforms", "freeforms": "freeforms",
    "language": "language",
    "series": "series",
    "collections": "collections", "collection": "collections",
    "stats": "stats",
}

# Older files name the "no warnings chosen" tag differently.
_WARNING_SPELLINGS = {
    "choose not to use archive warnings": "Creator Chose Not To Use Archive Warnings",
    "author chose not to use archive warnings": "Creator Chose Not To Use Archive Warnings",
}

_CHAPTER_HEADING = re.compile(r"^Chapter\s+(\d+)\s*(?::\s*(.*))?$", re.IGNORECASE | re.DOTALL)
_DATE = (r"(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4}"
         r"|[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})")
_PUBLISHED = re.compile(r"Published:\s*" + _DATE)
_UPDATED = re.compile(r"(Updated|Completed):\s*" + _DATE)
_CHAPTERS = re.compile(r"Chapters:\s*(\d[\d,]*)\s*/\s*(\d[\d,]*|\?)")
_SERIES_PART = re.compile(r"Part\s+(\d+)\s+of\s*$")
_SERIES_TEXT = re.compile(r"Part\s+(\d+)\s+of\s+(.+?)(?=,\s*Part\s+\d+\s+of\s|$)", re.DOTALL)
_ARCHIVED_BY = re.compile(r"^(.*?)\s*\[archived by .*\]$", re.DOTALL)
_WORK_URL = re.compile(r"/works/\d+/?(?:[?#].*)?$")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# -- small helpers ---------------------------------------------------------------

def _classes(el) -> set[str]:
    return set((el.get("class") or "").split())


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _inner_html(el) -> str:
    parts = [el.text or ""]
    for child in el:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            parts.append(child.tail or "")
            continue
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # A broken character (an odd byte, half a surrogate pair) becomes U+FFFD.
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblem(
            f"The file is too large to import: {len(data) / 1024 / 1024:.1f} MB; "
            f"the limit is {MAX_FILE_BYTES // 1024 // 1024} MB."
        )


def _parse_date(value: str) -> datetime.date | None:
    value = " ".join(value.replace(",", " ").replace(".", " ").split())
    for fmt in ("%Y-%m-%d", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _strip_namespaces(root) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    etree.cleanup_namespaces(root)


def _parse_markup(text: str, *, xhtml: bool = False):
    """An element tree of ``text``; XHTML is read as XML first (self-closing
    tags mean what they say there), falling back to the HTML parser."""
    if xhtml:
        try:
            parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True,
                                     remove_comments=True)
            root = etree.fromstring(text.encode("utf-8"), parser=parser)
            if root is not None:
                _strip_namespaces(root)
                return root
        except etree.XMLSyntaxError:
            pass
    text = _XML_DECLARATION.sub("", text, count=1)
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as error:
        raise ImportProblem("The file could not be read as HTML.") from error


def _body(root):
    for el in root.iter("body"):
        return el
    return root


# -- reading the joined document -------------------------------------------------

class _Reader:
    """Walks an AO3 download in document order and fills a ``ParsedWork``."""

    def __init__(self, parsed: ParsedWork):
        self.parsed = parsed
        self.found_tags = False
        self.found_title = False
        self.found_byline = False
        self.found_url = False
        self.chapter: ParsedChapter | None = None
        self.titled_by_heading: list[ParsedChapter] = []
        self.stats = ""

    # The walk ------------------------------------------------------------------
    def walk(self, el) -> None:
        for child in el:
            if isinstance(child.tag, str):
                self.visit(child)

    def visit(self, el) -> None:
        tag = el.tag
        if tag in ("script", "style", "head", "title"):
            return
        if tag == "dl" and "tags" in _classes(el):
            if not self.found_tags:
                self.read_tag_list(el)
            return
        if tag == "h1":
            if not self.found_title and self.chapter is None:
                self.parsed.title = _text(el)
                self.found_title = bool(self.parsed.title)
            return
        if tag == "p" and "message" in _classes(el):
            if not self.found_url:
                self.read_message(el)
            return
        if "byline" in _classes(el):
            self.read_byline(el)
            return
        if tag == "blockquote":
            self.read_labelled(el)
            return
        if tag == "h2" and "heading" in _classes(el):
            self.start_chapter(el)
            return
        if tag == "div" and el.get("id") == "chapters" and self._bare_chapters(el):
            self.add_content(self._bare_content(el))
            return
        if tag == "div" and "userstuff" in _classes(el) and el.get("id") != "chapters":
            self.add_content(_inner_html(el))
            return
        self.walk(el)

    # Preface ---------------------------------------------------------------------
    def read_message(self, el) -> None:
        links = [a.get("href", "") for a in el.iter("a")]
        work_links = [href for href in links if _WORK_URL.search(href.strip())]
        if work_links:
            self.parsed.original_url = work_links[0].strip()
            self.found_url = True
        if not self.found_title:
            for bold in el.iter("b", "strong"):
                self.parsed.title = _text(bold)
                break

    def read_byline(self, el) -> None:
        if self.chapter is not None:
            names = self._names(el, prefix="Chapter by")
            if names:
                self.parsed.remarks.append(
                    "A chapter names its own creators (" + ", ".join(names)
                    + "); the import credits the work's creators only."
                )
            return
        if self.found_byline:
            return
        self.parsed.creators = self._names(el, prefix="by")
        self.found_byline = bool(self.parsed.creators)

    @staticmethod
    def _names(el, *, prefix: str) -> list[str]:
        links = [_text(a) for a in el.iter("a")]
        text = _text(el)
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix):].strip()
        names: list[str] = []
        if links and "[archived by" not in text:
            names = [name for name in links if name]
        else:
            for piece in re.split(r",\s+(?![^\[]*\])", text):
                match = _ARCHIVED_BY.match(piece.strip())
                names.append((match.group(1) if match else piece).strip())
        return [name for name in names if name]

    def read_tag_list(self, dl) -> None:
        self.found_tags = True
        label = None
        for child in dl:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                label = _text(child).rstrip(":").strip().casefold()
            elif child.tag == "dd" and label is not None:
                self.read_tag_line(label, child)
                label = None

    def read_tag_line(self, label: str, dd) -> None:
        parsed = self.parsed
        field = _LABELS.get(label)
        if field is None:
            parsed.remarks.append(f"Left out: the line {label.title()!r} of the tag list.")
            return
        if field == "stats":
            self.read_stats(_text(dd))
        elif field == "language":
            parsed.language = _text(dd)
        elif field == "series":
            parsed.series = self.read_series(dd)
        elif field == "collections":
            parsed.remarks.append("Left out: the collections the work was in (" + _text(dd) + ").")
        else:
            names = self._tag_names(dd)
            if field == "rating":
                parsed.rating = names[0] if names else ""
                if len(names) > 1:
                    parsed.remarks.append("The file gives several ratings; kept " + names[0] + ".")
            elif field == "warnings":
                parsed.warnings = [_WARNING_SPELLINGS.get(n.casefold(), n) for n in names]
            else:
                setattr(parsed, field, names)

    @staticmethod
    def _tag_names(dd) -> list[str]:
        links = [_text(a) for a in dd.iter("a")]
        names = links if links else _text(dd).split(",")
        seen: list[str] = []
        for name in (" ".join(n.split()) for n in names):
            if name and name not in seen:
                seen.append(name)
        return seen

    @staticmethod
    def read_series(dd) -> list[ParsedSeries]:
        series: list[ParsedSeries] = []
        links = [a for a in dd.iter("a")]
        if links:
            for a in links:
                before = a.getprevious()
                preceding = (before.tail if before is not None else a.getparent().text) or ""
                match = _SERIES_PART.search(" ".join(preceding.split()))
                title = _text(a)
                if title:
                    series.append(ParsedSeries(title, int(match.group(1)) if match else 1))
            return series
        for match in _SERIES_TEXT.finditer(_text(dd)):
            series.append(ParsedSeries(match.group(2).strip(), int(match.group(1))))
        return series

    def read_stats(self, text: str) -> None:
        parsed = self.parsed
        self.stats = text
        if match := _PUBLISHED.search(text):
            parsed.published_on = _parse_date(match.group(1))
        if match := _UPDATED.search(text):
            parsed.updated_on = _parse_date(match.group(2))
        if match := _CHAPTERS.search(text):
            total = match.group(2).replace(",", "")
            parsed.expected_chapters = None if total == "?" else int(total)

    # Labelled blocks: summary, notes, end notes ----------------------------------
    def read_labelled(self, el) -> None:
        label_el = el.getprevious()
        while label_el is not None and not isinstance(label_el.tag, str):
            label_el = label_el.getprevious()
        label = _text(label_el).rstrip(":").casefold() if label_el is not None else ""
        if label_el is not None and label_el.tag not in ("p", "h3", "h4", "b", "strong"):
            label = ""
        if not label:  # AO3 keeps the work's end notes in div#endnotes
            parent = el.getparent()
            if parent is not None and parent.get("id") == "endnotes":
                label = "end notes"
        content = _inner_html(el)
        target_chapter = self.chapter
        if label in ("summary",):
            self.parsed.summary = content
        elif label in ("notes", "author's note", "author's notes"):
            self.parsed.notes = content
        elif label in ("end notes",):
            self.parsed.endnotes = content
        elif label == "chapter summary" and target_chapter is not None:
            target_chapter.summary = content
        elif label == "chapter notes" and target_chapter is not None:
            target_chapter.notes = content
        elif label == "chapter end notes" and target_chapter is not None:
            target_chapter.endnotes = content
        elif label:
            self.parsed.remarks.append(f"Left out: a block labelled {_text(label_el)!r}.")

    # Chapters --------------------------------------------------------------------
    def start_chapter(self, h2) -> None:
        """``h2.heading`` opens a chapter: "Chapter 2: Title", "Chapter 2", or
        (2019-2025 files) the chapter's title alone."""
        heading = _text(h2)
        match = _CHAPTER_HEADING.match(heading)
        title = (match.group(2) or "").strip() if match else heading
        self.chapter = ParsedChapter(title=title)
        if not match:
            self.titled_by_heading.append(self.chapter)
        # Our own files note each chapter's date on its meta block.
        holder = h2.getparent()
        published = holder.get("data-published") if holder is not None else None
        if published:
            self.chapter.published_on = _parse_date(published)
        self.parsed.chapters.append(self.chapter)

    def add_content(self, html: str) -> None:
        if self.chapter is None:
            self.chapter = ParsedChapter()
            self.parsed.chapters.append(self.chapter)
        joined = (self.chapter.content + "\n" + html) if self.chapter.content else html
        self.chapter.content = joined.strip()

    @staticmethod
    def _bare_chapters(el) -> bool:
        """Older one-shots: the text sits straight in ``div#chapters``."""
        for sub in el.iter("div"):
            classes = _classes(sub)
            if sub is not el and ("userstuff" in classes or {"meta", "group"} <= classes):
                return False
        return not any("heading" in _classes(h2) for h2 in el.iter("h2"))

    @staticmethod
    def _bare_content(el) -> str:
        copy = deepcopy(el)
        for heading in list(copy.iter("h2")):
            if "toc-heading" in _classes(heading):
                _drop(heading)
        return _inner_html(copy) if "".join(copy.itertext()).strip() else ""


def _drop(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail or ""
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _read(body, parsed: ParsedWork, *, require_tags: bool = True) -> ParsedWork:
    reader = _Reader(parsed)
    reader.walk(body)
    if not reader.found_tags and require_tags:
        raise ImportProblem(NO_METADATA)
    empty = [c for c in parsed.chapters if not c.content.strip()]
    parsed.chapters = [c for c in parsed.chapters if c.content.strip()]
    if not parsed.chapters:
        if not reader.found_tags:
            raise ImportProblem(NO_METADATA)
        raise ImportProblem("This AO3 download has no chapter text to import.")
    for chapter in empty:
        parsed.remarks.append(f"Left out: a chapter with no text ({chapter.title or 'untitled'}).")
    only = parsed.chapters[0]
    headed = any(only is c for c in reader.titled_by_heading)
    if len(parsed.chapters) == 1 and headed and only.title == parsed.title:
        only.title = ""  # a one-shot headed by the work's title
    if reader.stats and "Chapters:" not in reader.stats and parsed.expected_chapters is None:
        # Older files only counted chapters for works with chapters: a one-shot.
        parsed.expected_chapters = len(parsed.chapters)
    if parsed.updated_on and parsed.published_on and parsed.updated_on < parsed.published_on:
        parsed.updated_on = None
    if parsed.creators == ["Anonymous"]:
        parsed.remarks.append("The work was posted anonymously; its creators are not named.")
    return parsed


def _title_from_head(root) -> tuple[str, list[str]]:
    """AO3 titles the page "Title - Creators - Fandom"."""
    for title in root.iter("title"):
        parts = _text(title).split(" - ")
        if len(parts) >= 3:
            return " - ".join(parts[:-2]).strip(), [n.strip() for n in parts[-2].split(",")]
        return _text(title), []
    return "", []


def _fill_from_head(root, parsed: ParsedWork) -> None:
    if parsed.title and parsed.creators:
        return
    title, creators = _title_from_head(root)
    parsed.title = parsed.title or title
    if not parsed.creators and creators:
        parsed.creators = [c for c in creators if c]


# -- HTML ---------------------------------------------------------------------------

def _looks_like_markup(data: bytes) -> str | None:
    """A sentence saying what the file is when it is plainly not HTML."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PK\x03\x04"):
        return "This file is a zip archive (perhaps an EPUB), not an HTML page."
    if head.startswith(b"%PDF"):
        return "This file is a PDF, not an HTML page."
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "This file is not HTML: it holds binary data."
    if not re.search(r"<\s*(html|body|div|p|h1|dl|head|!doctype)\b", _decode(data[:65536]),
                     re.IGNORECASE):
        return "This file is not HTML: it has no HTML markup."
    return None


def parse_ao3_html(data: bytes) -> ParsedWork:
    """Read the HTML download AO3 gives for a work. Raises ``ImportProblem``
    naming what is wrong when the file is not one."""
    _check_size(data)
    if not data.strip():
        raise ImportProblem("The file is empty.")
    if problem := _looks_like_markup(data):
        raise ImportProblem(problem)
    root = _parse_markup(_decode(data))
    parsed = ParsedWork(source=ImportSource.AO3_HTML)
    _read(_body(root), parsed)
    _fill_from_head(root, parsed)
    return parsed


# -- EPUB ---------------------------------------------------------------------------

_CONTAINER = "META-INF/container.xml"
_XHTML_TYPES = {"application/xhtml+xml", "text/html", "application/x-dtbook+xml"}


def _xml(data: bytes, what: str):
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as error:
        raise ImportProblem(f"The EPUB's {what} could not be read.") from error
    if root is None:
        raise ImportProblem(f"The EPUB's {what} could not be read.")
    return root


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _read_member(book: Archive, name: str) -> bytes:
    try:
        return book.read(name)
    except KeyError as error:
        raise ImportProblem(
            f"The EPUB is missing a file its contents list names: {name}."
        ) from error


def _opf_path(book: Archive) -> str:
    names = book.names()
    if _CONTAINER not in names:
        raise ImportProblem("This EPUB is incomplete: it has no META-INF/container.xml.")
    container = _xml(_read_member(book, _CONTAINER), "META-INF/container.xml")
    for el in container.iter():
        if _local(el) == "rootfile" and el.get("full-path"):
            return el.get("full-path")
    raise ImportProblem("This EPUB's META-INF/container.xml names no contents file (OPF).")


def _opf_metadata(opf) -> dict:
    meta: dict = {"creators": [], "subjects": []}
    for el in opf.iter():
        name = _local(el)
        text = " ".join("".join(el.itertext()).split()) if name else ""
        if name == "title" and "title" not in meta:
            meta["title"] = text
        elif name == "creator" and text:
            meta["creators"].append(text)
        elif name == "language" and "language" not in meta:
            meta["language"] = text
        elif name == "description" and "description" not in meta:
            meta["description"] = "".join(el.itertext()).strip()
        elif name == "identifier" and re.search(r"/works/\d+", text):
            meta["url"] = text
        elif name == "subject" and text:
            meta["subjects"].append(text)
        elif name == "meta":
            key, value = el.get("name") or el.get("property") or "", el.get("content")
            value = value if value is not None else text
            if key in ("calibre:series", "belongs-to-collection"):
                meta["series"] = value
            elif key in ("calibre:series_index", "group-position"):
                meta["series_index"] = value
    return meta


def _spine_files(book: Archive, opf_path: str, opf) -> list[str]:
    base = posixpath.dirname(opf_path)
    manifest = {}
    for el in opf.iter():
        if _local(el) == "item" and el.get("id") and el.get("href"):
            manifest[el.get("id")] = (el.get("href"), el.get("media-type", ""))
    files = []
    for el in opf.iter():
        if _local(el) != "itemref":
            continue
        href, media_type = manifest.get(el.get("idref"), (None, ""))
        if href is None or (media_type and media_type not in _XHTML_TYPES):
            continue
        path = posixpath.normpath(posixpath.join(base, unquote(href.split("#", 1)[0])))
        if path not in files:
            files.append(path)
    if not files:
        raise ImportProblem("This EPUB has no readable pages in its reading order (spine).")
    return files


def _joined_body(book: Archive, files: list[str]):
    """One document of every spine page's body, in reading order."""
    joined = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    head, body = joined.find("head"), joined.find("body")
    for name in files:
        root = _parse_markup(_decode(_read_member(book, name)), xhtml=True)
        if head.find("title") is None:
            for title in root.iter("title"):
                head.append(deepcopy(title))
                break
        page = _body(root)
        if page.text and page.text.strip():
            wrapper = etree.SubElement(body, "div")
            wrapper.text = page.text
        for child in page:
            if isinstance(child.tag, str):
                body.append(deepcopy(child))
    return joined


def parse_ao3_epub(data: bytes) -> ParsedWork:
    """Read the EPUB AO3 gives for a work (and ours, which follows it).
    Raises ``ImportProblem`` naming what is wrong when the file is not one."""
    _check_size(data)
    if not data.strip():
        raise ImportProblem("The file is empty.")
    book = archive_open(data, EPUB_LIMITS)
    opf_path = _opf_path(book)
    opf = _xml(_read_member(book, opf_path), opf_path)
    meta = _opf_metadata(opf)
    joined = _joined_body(book, _spine_files(book, opf_path, opf))

    parsed = ParsedWork(source=ImportSource.AO3_EPUB)
    _read(joined.find("body"), parsed, require_tags=False)
    if not _has_tag_list(joined):
        if not meta.get("title"):
            raise ImportProblem(NO_METADATA)
        parsed.remarks.append(
            "The EPUB has no AO3 tag list; only its title, creators, language and summary "
            "were read from its contents file."
        )
    parsed.title = parsed.title or meta.get("title", "")
    parsed.creators = parsed.creators or _split_creators(meta["creators"])
    _fill_from_head(joined, parsed)
    parsed.language = parsed.language or meta.get("language", "")
    parsed.original_url = parsed.original_url or meta.get("url", "")
    if not parsed.summary and meta.get("description"):
        parsed.summary = meta["description"]
    if not parsed.series and meta.get("series"):
        try:
            position = int(float(meta.get("series_index") or 1))
        except ValueError:
            position = 1
        parsed.series = [ParsedSeries(meta["series"], position)]
    return parsed


def _has_tag_list(root) -> bool:
    return any("tags" in _classes(dl) for dl in root.iter("dl"))


def _split_creators(values: list[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in re.split(r"\s*(?:,|&| and )\s*", value):
            if name and name not in names:
                names.append(name)
    return names


__all__ = ["MAX_FILE_BYTES", "NO_METADATA", "parse_ao3_epub", "parse_ao3_html"]
