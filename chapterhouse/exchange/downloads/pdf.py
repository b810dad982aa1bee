"""The PDF download: ``render(doc) -> bytes``.

An A5 book made with fpdf2: a title page (title, byline, AO3's message with
the work's address, the metadata, summary and notes), then each chapter on a
new page (heading, summary, notes, text, end notes), then the afterword. Each
chapter is a PDF outline entry, so readers show a table of contents.

Fonts: the DejaVu Serif family (and DejaVu Sans Mono for code) when the files
are in :data:`FONT_DIR` — they cover Latin, Greek and Cyrillic; when they are
missing, fpdf2's built-in Times and Courier, with every character outside
Latin-1 replaced by ``?`` (a few typographic ones by their ASCII look-alike).
DejaVu has no CJK glyphs: such text comes out as blank glyphs, never an error.

User HTML is first cleaned like the EPUB's (:mod:`xhtml`: links absolute,
images replaced by their alt text) and then reduced to what fpdf2's
``write_html`` understands: paragraphs, line breaks, emphasis, links, lists,
quotes, headings, rules, preformatted text. Tables become one line per row,
cells separated by `` | ``; other elements are unwrapped. If fpdf2 still
fails on a piece of text, that piece is written as plain text instead.
"""

from __future__ import annotations

import datetime
import logging
from functools import cache
from html import escape
from pathlib import Path

import lxml.html
from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from chapterhouse.exchange.downloads.document import DownloadChapter, DownloadDocument
from chapterhouse.exchange.downloads.epub import chapter_heading, stats_line
from chapterhouse.exchange.downloads.xhtml import clean_tree, parse_fragment, xml_text
from chapterhouse.works.text import strip_html

__all__ = ["render", "FONT_DIR"]

logger = logging.getLogger(__name__)
# fontTools reports every font subset it makes at INFO level: noise in our logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SERIF_FILES = {
    "": "DejaVuSerif.ttf",
    "B": "DejaVuSerif-Bold.ttf",
    "I": "DejaVuSerif-Italic.ttf",
    "BI": "DejaVuSerif-BoldItalic.ttf",
}
MONO_FILE = "DejaVuSansMono.ttf"
SANS_FILE = "DejaVuSans.ttf"

BODY_SIZE = 10.5
LINE = 5.0

#: What fpdf2's write_html handles; anything else is converted or unwrapped.
SUPPORTED = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "dd", "del", "dt", "em", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
        "u", "ul",
    }
)  # fmt: skip
#: Containers that become paragraphs when they hold only inline content.
PARAGRAPH_LIKE = frozenset(
    {"address", "caption", "details", "div", "figcaption", "figure", "summary", "dl"}
)
BLOCKS = frozenset(
    {
        "blockquote", "dd", "div", "dl", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "table", "ul", "address", "details", "figure",
        "figcaption", "summary", "caption",
    }
)  # fmt: skip
_ASCII_LOOKALIKES = str.maketrans(
    {
        "\u2014": "-", "\u2013": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"',
        "\u201d": '"', "\u2026": "...", "\u2022": "*", "\u2212": "-",
    }
)  # fmt: skip


@cache
def _dejavu_available() -> bool:
    needed = [*SERIF_FILES.values(), MONO_FILE, SANS_FILE]
    return all((FONT_DIR / name).is_file() for name in needed)


class _Book(FPDF):
    """An A5 page with the page number at the foot (not on the title page)."""

    body_family = "Times"

    def footer(self) -> None:
        if self.page_no() <= 1:
            return
        self.set_y(-12)
        self.set_font(self.body_family, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, str(self.page_no()), align="C")
        self.set_text_color(0)


class _Writer:
    """Writes one document into one PDF."""

    def __init__(self, doc: DownloadDocument, *, unicode_fonts: bool) -> None:
        self.doc = doc
        self.unicode = unicode_fonts
        pdf = _Book(format=(148, 210), unit="mm")  # A5
        pdf.set_margins(16, 16, 16)
        pdf.set_auto_page_break(True, margin=18)
        if unicode_fonts:
            for style, name in SERIF_FILES.items():
                pdf.add_font("DejaVuSerif", style, str(FONT_DIR / name))
            pdf.add_font("DejaVuMono", "", str(FONT_DIR / MONO_FILE))
            pdf.add_font("DejaVuSans", "", str(FONT_DIR / SANS_FILE))
            pdf.set_fallback_fonts(["DejaVuSans"], exact_match=False)
            self.family, self.mono = "DejaVuSerif", "DejaVuMono"
        else:
            self.family, self.mono = "Times", "Courier"
        pdf.body_family = self.family
        self.pdf = pdf
        self.tag_styles = self._tag_styles()

    # Text -------------------------------------------------------------------

    def text(self, value: str | None) -> str:
        """Plain text the current fonts can show."""
        value = xml_text(value)
        if self.unicode:
            return value
        value = value.translate(_ASCII_LOOKALIKES)
        return value.encode("latin-1", "replace").decode("latin-1")

    def _tag_styles(self) -> dict:
        dark = "#222222"
        heading = {"h1": 15, "h2": 13.5, "h3": 12, "h4": 11.5, "h5": 11, "h6": 10.5}
        styles = {
            tag: TextStyle(
                font_family=self.family, font_style="B", font_size_pt=size, color=dark,
                t_margin=3, b_margin=0.5,
            )
            for tag, size in heading.items()
        }  # fmt: skip
        styles.update(
            {
                "p": TextStyle(t_margin=1.5, b_margin=1.5),
                "blockquote": TextStyle(color="#333333", t_margin=1.5, b_margin=1.5, l_margin=6),
                "pre": TextStyle(font_family=self.mono, font_size_pt=8.5, t_margin=2, b_margin=2),
                "code": FontFace(family=self.mono),
                "a": FontFace(color="#1a4480", emphasis="UNDERLINE"),
                "dt": TextStyle(font_style="B", t_margin=1.5),
                "dd": TextStyle(l_margin=6),
                "li": TextStyle(l_margin=6),
            }
        )
        return styles

    def html(self, html: str) -> None:
        """Write an HTML string we built (already in fpdf2's subset)."""
        pdf = self.pdf
        if not self.unicode:
            html = self.text(html)
        pdf.set_font(self.family, "", BODY_SIZE)
        try:
            pdf.write_html(
                html,
                tag_styles=self.tag_styles,
                font_family=self.family,
                warn_on_tags_not_matching=False,
                ul_bullet_char="\u2022" if self.unicode else "*",
                li_prefix_color=(60, 60, 60),
            )
        except Exception:  # noqa: BLE001 - a PDF with plain text beats a failed download
            logger.warning("PDF: HTML fell back to plain text", exc_info=True)
            pdf.set_x(pdf.l_margin)
            pdf.set_font(self.family, "", BODY_SIZE)
            pdf.multi_cell(0, LINE, self.text(strip_html(html)))
            pdf.ln(2)

    def user_html(self, html: str | None) -> str:
        """User HTML reduced to fpdf2's subset, as an HTML string."""
        if not (html or "").strip():
            return ""
        root = parse_fragment(html)
        clean_tree(root, base_url=self.doc.url)
        _simplify(root)
        text = escape(root.text or "", quote=False)
        return text + "".join(
            lxml.html.tostring(child, encoding="unicode", with_tail=True) for child in root
        )

    # Pages ------------------------------------------------------------------

    def block(self, heading: str, html: str | None) -> None:
        body = self.user_html(html)
        if body:
            self.html(f"<h4>{escape(heading)}</h4><blockquote>{body}</blockquote>")

    def title_page(self) -> None:
        doc, pdf = self.doc, self.pdf
        pdf.add_page()
        pdf.start_section(self.text(doc.title) or "Title", level=0)
        creators = ", ".join(doc.creators) or "Anonymous"
        pdf.set_font(self.family, "B", 18)
        pdf.multi_cell(0, 8, self.text(doc.title), align="C")
        pdf.ln(1)
        pdf.set_font(self.family, "I", 12)
        pdf.multi_cell(0, 6, self.text(f"by {creators}"), align="C")
        pdf.ln(3)
        rows = [
            f"<dt>{escape(group.label)}:</dt><dd>{escape(', '.join(group.names))}</dd>"
            for group in doc.tag_groups
        ]
        rows.append(f"<dt>Language:</dt><dd>{escape(doc.language_name or doc.language_code)}</dd>")
        series = "<br>".join(
            f'Part {part.position} of <a href="{escape(part.url)}">{escape(part.title)}</a>'
            for part in doc.series
        )
        if series:
            rows.append(f"<dt>Series:</dt><dd>{series}</dd>")
        rows.append(f"<dt>Stats:</dt><dd>{escape(stats_line(doc))}</dd>")
        self.html(
            f"<p>Posted originally on the {escape(doc.site_name)} at "
            f'<a href="{escape(doc.url)}">{escape(doc.url)}</a>.</p>' + "".join(rows)
        )
        self.block("Summary", doc.summary_html)
        self.block("Notes", doc.notes_html)

    def chapter(self, chapter: DownloadChapter) -> None:
        pdf = self.pdf
        pdf.add_page()
        heading = self.text(chapter_heading(self.doc, chapter))
        pdf.start_section(heading or f"Chapter {chapter.position}", level=1)
        pdf.set_font(self.family, "B", 14)
        pdf.multi_cell(0, 7, heading)
        pdf.ln(2)
        self.block("Chapter Summary", chapter.summary_html)
        self.block("Chapter Notes", chapter.notes_html)
        content = self.user_html(chapter.content_html)
        if content:
            self.html(content)
        self.block("Chapter End Notes", chapter.endnotes_html)

    def afterword(self) -> None:
        doc, pdf = self.doc, self.pdf
        pdf.add_page()
        pdf.start_section("Afterword", level=1)
        pdf.set_font(self.family, "B", 14)
        pdf.multi_cell(0, 7, "Afterword")
        pdf.ln(2)
        self.block("End Notes", doc.endnotes_html)
        if doc.series:
            items = "".join(
                f'<li>Part {part.position} of <a href="{escape(part.url)}">'
                f"{escape(part.title)}</a></li>"
                for part in doc.series
            )
            self.html(f"<h4>Series this work belongs to:</h4><ul>{items}</ul>")
        self.html(
            f"<p>Please drop by the {escape(doc.site_name)} and comment to let the creator "
            f'know if you enjoyed their work! <a href="{escape(doc.url)}">{escape(doc.url)}</a></p>'
        )

    def metadata(self) -> None:
        doc, pdf = self.doc, self.pdf
        pdf.set_title(self.text(doc.title))
        pdf.set_author(self.text(", ".join(doc.creators) or "Anonymous"))
        summary = strip_html(doc.summary_html or "").strip()
        pdf.set_subject(self.text(summary or doc.title))
        pdf.set_keywords(self.text(", ".join(n for g in doc.tag_groups for n in g.names)))
        pdf.set_creator(self.text(doc.site_name))
        pdf.set_producer(self.text(doc.site_name))
        pdf.set_lang(doc.language_code or "en")
        stamp = doc.updated_at
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.UTC)
        pdf.set_creation_date(stamp)

    def render(self) -> bytes:
        self.metadata()
        self.title_page()
        for chapter in self.doc.chapters:
            self.chapter(chapter)
        self.afterword()
        return bytes(self.pdf.output())


def _simplify(root) -> None:
    """Reduce a cleaned tree (see ``xhtml.clean_tree``) to fpdf2's subset, in place."""
    for table in list(root.iter("table")):
        _table_to_paragraphs(table)
    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str):
            continue
        classes = (el.get("class") or "").split()
        align = next((c[6:] for c in classes if c.startswith("align-")), None)
        if "center" in classes:
            align = "center"
        if el.tag in PARAGRAPH_LIKE:
            has_blocks = any(child.tag in BLOCKS for child in el.iterdescendants())
            if has_blocks:
                el.drop_tag()
                continue
            el.tag = "p"
        if el.tag not in SUPPORTED:
            el.drop_tag()
            continue
        href = el.get("href") if el.tag == "a" else None
        if href and not href.startswith(("http:", "https:", "mailto:")):
            href = None  # in-page anchors do not exist in the PDF
        start = el.get("start") if el.tag == "ol" else None
        el.attrib.clear()
        if href:
            el.set("href", href)
        if start:
            el.set("start", start)
        if align in ("center", "right", "justify") and el.tag in ("p", "h1", "h2", "h3", "h4"):
            el.set("align", align)
        if el.tag == "a" and not href:
            el.drop_tag()
    # Paragraphs inside list items and quotes' inline runs: fpdf2 handles nested
    # blocks poorly, so a <p> directly in an <li> becomes a line break.
    for li in list(root.iter("li", "dd", "dt")):
        for p in list(li.iter("p")):
            br = lxml.html.Element("br")
            p.addnext(br)
            br.tail, p.tail = p.tail, None
            p.drop_tag()
    # User headings are sized under the chapter heading.
    for el in root.iter("h1", "h2", "h3"):
        el.tag = "h4"


def _table_to_paragraphs(table) -> None:
    rows = []
    for tr in table.iter("tr"):
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            text = " ".join(cell.text_content().split())
            cells.append(f"<b>{escape(text)}</b>" if cell.tag == "th" else escape(text))
        if cells:
            rows.append(" | ".join(cells))
    caption = table.find("caption")
    parts = []
    if caption is not None:
        parts.append(f"<p><i>{escape(' '.join(caption.text_content().split()))}</i></p>")
    parts.extend(f"<p>{row}</p>" for row in rows)
    replacement = lxml.html.fragment_fromstring(
        "<div>" + "".join(parts) + "</div>", create_parent=False
    )
    replacement.tail = table.tail
    table.getparent().replace(table, replacement)


def render(doc: DownloadDocument, *, unicode_fonts: bool | None = None) -> bytes:
    """The PDF file of ``doc``. ``unicode_fonts`` forces (or refuses) DejaVu;
    by default it is used when its files are installed."""
    if unicode_fonts is None:
        unicode_fonts = _dejavu_available()
    return _Writer(doc, unicode_fonts=unicode_fonts).render()
