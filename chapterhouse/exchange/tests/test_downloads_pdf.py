"""The PDF download: it opens, shows the work's words, and survives any text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from chapterhouse.exchange.downloads import pdf
from chapterhouse.exchange.downloads.document import document_for
from chapterhouse.exchange.tests.test_downloads_epub import (
    RICH_CONTENT,
    anonymous,
    chapter,
    document,
    one_shot,
)

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)
needs_dejavu = pytest.mark.skipif(
    not pdf._dejavu_available(), reason=f"DejaVu fonts are not installed in {pdf.FONT_DIR}"
)


def pdf_text(path: Path) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return " ".join(result.stdout.split())


def pdf_info(path: Path) -> str:
    return subprocess.run(
        ["pdfinfo", "-enc", "UTF-8", str(path)], capture_output=True, text=True, check=True
    ).stdout


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_pdf_is_a_pdf():
    data = pdf.render(one_shot())
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@needs_poppler
def test_first_page_renders_with_ink_on_it(tmp_path):
    path = write(tmp_path, "work.pdf", pdf.render(document()))
    subprocess.run(
        ["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-png", str(path), str(tmp_path / "p")],
        check=True, timeout=60,
    )  # fmt: skip
    pages = list(tmp_path.glob("p*.png"))
    assert len(pages) == 1
    image = Image.open(pages[0]).convert("L")
    darkest, lightest = image.getextrema()
    assert lightest > 200 and darkest < 100  # white paper, dark letters
    dark_pixels = sum(image.histogram()[:128])
    assert dark_pixels > 200


@needs_poppler
@needs_dejavu
def test_text_shows_title_preface_chapters_and_unicode(tmp_path):
    text = pdf_text(write(tmp_path, "work.pdf", pdf.render(document())))
    for expected in (
        "Salt & <Signal>: Café — naïve",
        "by rowan, mireille",
        "Posted originally on the Chapterhouse at https://chapterhouse.example/works/42",
        "Fandom: Lighthouse Keepers (Original Work)",
        "Chapters: 3/5",
        "Two keepers, one storm — Café talk.",
        "Chapter 1: The Lamp",
        "Chapter summary.",
        "The first sentence of the storm chapter.",
        "“quotes”",
        "Day | Height",
        "Monday | 2.1 m",
        "[A gull on a post]",
        "Chapter 3: Fog & <Light>",
        "Chapter end notes.",
        "Afterword",
        "Thanks for reading this.",
        "Part 2 of The Coast Cycle",
    ):
        assert expected in text, expected


@needs_poppler
def test_metadata_names_title_author_and_site(tmp_path):
    info = pdf_info(write(tmp_path, "work.pdf", pdf.render(document())))
    assert "Salt & <Signal>" in info
    assert "rowan, mireille" in info
    assert "Creator:         Chapterhouse" in info


@needs_poppler
def test_anonymous_pdf_names_no_creator(tmp_path):
    path = write(tmp_path, "anon.pdf", pdf.render(anonymous()))
    text, info = pdf_text(path), pdf_info(path)
    assert "by Anonymous" in text
    assert "rowan" not in text + info and "mireille" not in text + info


@needs_poppler
def test_without_unicode_fonts_text_outside_latin1_becomes_question_marks(tmp_path):
    doc = one_shot(
        title="Winter — 日本",
        chapters=(chapter(1, content="<p>Café ½ Ωmega “quoted”</p>" + RICH_CONTENT),),
    )
    text = pdf_text(write(tmp_path, "core.pdf", pdf.render(doc, unicode_fonts=False)))
    assert "Winter - ??" in text
    assert 'Café ½ ?mega "quoted"' in text


def test_awkward_html_never_breaks_the_pdf():
    nasty = (
        "<ul><li><p>para in item</p><ul><li>nested</li></ul></li></ul>"
        "<blockquote><blockquote><p>deep</p></blockquote></blockquote>"
        "<table><tr><td><table><tr><td>inner</td></tr></table></td></tr></table>"
        '<p><a href="5">page link</a> <a href="#x">anchor</a> <a name="x">target</a></p>'
        "<h1>Big</h1><pre>\tcode\n\n\n</pre><p></p><hr><dl><dd>orphan</dd></dl>"
        + "<p>" + "word " * 3000 + "</p>"
    )
    for unicode_fonts in (True, False) if pdf._dejavu_available() else (False,):
        data = pdf.render(
            one_shot(chapters=(chapter(1, content=nasty, notes=nasty),)),
            unicode_fonts=unicode_fonts,
        )
        assert data.startswith(b"%PDF-")


@needs_poppler
def test_every_demo_work_pdf_shows_its_title_and_opening_words(db, tmp_path):
    from chapterhouse import demo
    from chapterhouse.works.models import Work
    from chapterhouse.works.text import strip_html

    demo.load()
    works = list(Work.objects.filter(posted=True).order_by("pk"))
    assert len(works) >= 5
    for work in works:
        doc = document_for(work)
        text = pdf_text(write(tmp_path, f"work-{work.pk}.pdf", pdf.render(doc)))
        opening = " ".join(strip_html(doc.chapters[0].content_html).split()[:6])
        assert " ".join(doc.title.split()) in text, work.title
        assert opening in text, (work.title, opening)
