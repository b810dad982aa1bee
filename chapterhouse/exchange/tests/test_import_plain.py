"""Reading plain text, Markdown and Word files (exchange/importing/plain.py)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from chapterhouse.exchange.importing.parsed import ImportProblem
from chapterhouse.exchange.importing.plain import (
    chapter_heading,
    parse_docx,
    parse_markdown,
    parse_text,
    title_from_filename,
)
from chapterhouse.exchange.importing.services import work_import
from chapterhouse.exchange.models import ImportSource
from chapterhouse.works.text import TextFormat

DATA = Path(__file__).parent / "data" / "plain"


def _docx(build) -> bytes:
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- plain text -------------------------------------------------------------


def test_text_title_chapters_and_end_notes():
    parsed = parse_text((DATA / "lamplighter.txt").read_bytes(), filename="lamplighter.txt")

    assert parsed.title == "The Lamplighter's Year"
    assert [c.title for c in parsed.chapters] == ["Frost", "Thaw", ""]
    assert parsed.chapters[0].content.startswith("The lamps on Keel Street")
    assert "Nobody thanked her." in parsed.chapters[0].content
    assert parsed.chapters[2].content == "By summer she had a dog."
    assert parsed.endnotes == "Thanks to Petra for reading this twice.\nThe canal is made up."
    assert "Notes:" not in parsed.endnotes
    assert all("Thanks to Petra" not in c.content for c in parsed.chapters)
    assert parsed.source == ImportSource.TEXT
    assert parsed.text_format == TextFormat.PLAIN
    assert all(c.content_format == TextFormat.PLAIN for c in parsed.chapters)
    assert parsed.remarks == []


def test_text_without_a_notes_line_has_no_end_notes():
    parsed = parse_text(b"Quiet Hours\n\nShe sat.\n\nHe left a note on the table.\n")
    assert parsed.endnotes == ""
    assert "He left a note on the table." in parsed.chapters[0].content


def test_notes_in_the_middle_of_a_paragraph_stay_in_the_text():
    parsed = parse_text(b"Ledger\n\nShe wrote it down.\nNotes: buy salt.\nThen she slept.\n")
    assert parsed.endnotes == ""
    assert "Notes: buy salt." in parsed.chapters[0].content


def test_title_from_the_file_name_when_the_first_line_is_a_sentence():
    parsed = parse_text((DATA / "no_title.txt").read_bytes(), filename="the_kettle-hour.txt")
    assert parsed.title == "the kettle hour"
    assert parsed.chapters[0].content.startswith("The kettle had been boiling")
    assert len(parsed.chapters) == 1


@pytest.mark.parametrize("first_line", [
    "It was late.",                 # ends a sentence
    "Where did the boats go?",      # so does a question
    "x" * 200,                      # too long for a title
])
def test_first_line_that_is_not_a_title_stays_in_the_text(first_line):
    parsed = parse_text(f"{first_line}\n\nMore.\n".encode(), filename="harbour.txt")
    assert parsed.title == "harbour"
    assert parsed.chapters[0].content.startswith(first_line)


def test_first_line_running_into_the_paragraph_is_not_a_title():
    parsed = parse_text(b"The door opened\nslowly, and nobody came in.\n", filename="door.txt")
    assert parsed.title == "door"


def test_text_encodings_utf8_bom_and_windows_1252():
    bom = parse_text("\ufeffCafé Noir\n\nShe ordered “the usual”.".encode())
    assert bom.title == "Café Noir"
    assert bom.remarks == []

    legacy = parse_text("Café Noir\n\nShe ordered “the usual”.".encode("cp1252"))
    assert legacy.title == "Café Noir"
    assert legacy.chapters[0].content == "She ordered “the usual”."
    assert "Windows-1252" in legacy.remarks[0]


def test_bytes_no_encoding_knows_are_read_without_a_crash():
    parsed = parse_text(b"Odd Bytes\n\nA\x81B\x8dC\xff end.")
    assert parsed.title == "Odd Bytes"
    assert parsed.chapters[0].content.endswith("end.")


def test_utf16_text_with_a_mark_is_read():
    parsed = parse_text("Wide Letters\n\nÅsa waved.".encode("utf-16"))
    assert parsed.title == "Wide Letters"
    assert parsed.chapters[0].content == "Åsa waved."


@pytest.mark.parametrize(("line", "title"), [
    ("Chapter 1", ""),
    ("Chapter 2: The Harbour", "The Harbour"),
    ("CHAPTER THREE", ""),
    ("Chapter Twenty-One - Ash", "Ash"),
    ("Chapter IV. Salt", "Salt"),
    ("# Chapter 5: Gulls", "Gulls"),
    ("chapter 12 The Long Way", "The Long Way"),
])
def test_chapter_headings(line, title):
    assert chapter_heading(line) == title


@pytest.mark.parametrize("line", [
    "Chapter and verse were all she had.",
    "The chapter ended.",
    "Chapters",
    "",
])
def test_lines_that_are_not_chapter_headings(line):
    assert chapter_heading(line) is None


def test_prologue_and_epilogue_split_only_beside_numbered_chapters():
    with_chapters = parse_text(
        b"Tides\n\nPrologue\n\nBefore.\n\nChapter 1\n\nDuring.\n\nEpilogue\n\nAfter.\n"
    )
    assert [c.title for c in with_chapters.chapters] == ["Prologue", "", "Epilogue"]
    assert [c.content for c in with_chapters.chapters] == ["Before.", "During.", "After."]

    alone = parse_text(b"Tides\n\nPrologue\n\nBefore and after.\n")
    assert len(alone.chapters) == 1
    assert alone.chapters[0].content.startswith("Prologue")


def test_text_before_the_first_chapter_heading_is_a_chapter_of_its_own():
    parsed = parse_text(b"Sea Glass\n\nA foreword of sorts.\n\nChapter 1\n\nThe beach.\n")
    assert [c.content for c in parsed.chapters] == ["A foreword of sorts.", "The beach."]


def test_hard_wrapped_text_is_joined_into_paragraphs():
    sentence = "The rain kept on against the glass and nobody in the house could sleep"
    wrapped = "\n".join([sentence] * 6) + "\n\nShort last paragraph.\n"
    parsed = parse_text(f"Rain\n\n{wrapped}".encode())
    first, second = parsed.chapters[0].content.split("\n\n")
    assert "\n" not in first and first.count("sleep") == 6
    assert second == "Short last paragraph."
    assert any("joined" in r for r in parsed.remarks)


def test_poem_lines_keep_their_breaks():
    parsed = parse_text(b"Small Poem\n\nthe gull\nthe wall\nthe fall\n")
    assert parsed.chapters[0].content == "the gull\nthe wall\nthe fall"


def test_empty_text_file_is_a_problem():
    with pytest.raises(ImportProblem, match="blank.txt has no text"):
        parse_text(b"  \n\n ", filename="blank.txt")


def test_title_from_filename():
    assert title_from_filename("C:\\stories\\my_long-story.final.txt") == "my long story.final"
    assert title_from_filename("") == "Untitled"


@pytest.mark.django_db
def test_html_in_a_text_file_is_shown_as_text(user):
    parsed = parse_text(
        b"Markup\n\nShe typed <b>bold</b> and <script>alert('x')</script> as words.\n"
    )
    parsed.fandoms = ["Original Work"]
    work = work_import(actor=user, parsed=parsed, post=False)
    content = work.chapters.get().content
    assert "&lt;b&gt;bold&lt;/b&gt;" in content
    assert "<script" not in content and "<b>" not in content


@pytest.mark.django_db
def test_single_newlines_become_line_breaks_and_blank_lines_paragraphs(user):
    parsed = parse_text(b"Lines\n\nOne\nTwo\n\nThree\n")
    parsed.fandoms = ["Original Work"]
    content = work_import(actor=user, parsed=parsed, post=False).chapters.get().content
    assert content.count("<p>") == 2
    assert "<br" in content


# --- Markdown ---------------------------------------------------------------


def test_markdown_title_chapters_and_notes():
    parsed = parse_markdown((DATA / "tin_orchard.md").read_bytes(), filename="tin_orchard.md")

    assert parsed.title == "The Tin Orchard"
    assert [c.title for c in parsed.chapters] == ["Seeds", "Rust"]
    assert "## Chapter 99" in parsed.chapters[0].content  # inside code: not a chapter
    assert parsed.endnotes == "The orchard is real; it is in my head."
    assert parsed.text_format == TextFormat.MARKDOWN
    assert parsed.chapters[1].content_format == TextFormat.MARKDOWN
    assert parsed.source == ImportSource.MARKDOWN


def test_markdown_notes_heading_and_no_notes():
    with_heading = parse_markdown(b"# Knots\n\nRope.\n\n## Notes\n\nFor my sailing club.\n")
    assert with_heading.endnotes == "For my sailing club."
    assert "Notes" not in with_heading.chapters[0].content

    without = parse_markdown(b"# Knots\n\nRope, and notes on rope.\n")
    assert without.endnotes == ""


def test_markdown_without_a_heading_takes_the_file_name():
    parsed = parse_markdown(b"Just some *text*.\n", filename="loose_ends.md")
    assert parsed.title == "loose ends"
    assert parsed.chapters[0].content == "Just some *text*."


def test_markdown_setext_title():
    parsed = parse_markdown(b"Underlined Title\n================\n\nBody.\n")
    assert parsed.title == "Underlined Title"
    assert parsed.chapters[0].content == "Body."


@pytest.mark.django_db
def test_script_in_markdown_never_survives(user):
    parsed = parse_markdown(
        b"# Safe\n\nHello <script>alert('x')</script> and <a href=\"javascript:go()\">x</a>\n"
        b"\n<img src=x onerror=alert(1)>\n"
    )
    parsed.fandoms = ["Original Work"]
    content = work_import(actor=user, parsed=parsed, post=False).chapters.get().content
    assert "<script" not in content
    assert "javascript:" not in content
    assert "onerror" not in content
    assert "Hello" in content


# --- DOCX -------------------------------------------------------------------


def _glass_harbour(document):
    document.add_heading("Glass Harbour", 0)  # the Title style
    document.add_heading("Chapter 1: Arrival", 1)
    document.add_paragraph("The ferry was late, as ferries are.")
    paragraph = document.add_paragraph("It docked at ")
    paragraph.add_run("noon").italic = True
    document.add_heading("Chapter 2: Departure", 1)
    document.add_paragraph("Nobody waved.")
    notes = document.add_paragraph()
    notes.add_run("Notes:").bold = True
    notes.add_run(" Written for a friend who hates boats.")


def test_docx_title_chapters_and_notes():
    parsed = parse_docx(_docx(_glass_harbour), filename="harbour.docx")

    assert parsed.title == "Glass Harbour"
    assert [c.title for c in parsed.chapters] == ["Arrival", "Departure"]
    assert "<p>The ferry was late, as ferries are.</p>" in parsed.chapters[0].content
    assert "<em>noon</em>" in parsed.chapters[0].content
    assert parsed.endnotes == "<p>Written for a friend who hates boats.</p>"
    assert "Notes" not in parsed.chapters[1].content
    assert parsed.source == ImportSource.DOCX
    assert parsed.text_format == TextFormat.HTML


def test_docx_heading_1_is_the_title_and_no_notes_paragraph_means_no_end_notes():
    def build(document):
        document.add_heading("Lantern Hours", 1)
        document.add_paragraph("One long night.")
        document.add_paragraph("Notes are what she kept, in a tin.")

    parsed = parse_docx(_docx(build), filename="x.docx")
    assert parsed.title == "Lantern Hours"
    assert len(parsed.chapters) == 1
    assert parsed.endnotes == ""
    assert "Notes are what she kept" in parsed.chapters[0].content


def test_docx_without_a_heading_takes_the_file_name():
    parsed = parse_docx(_docx(lambda d: d.add_paragraph("Only text.")),
                        filename="winter_letters.docx")
    assert parsed.title == "winter letters"


def test_docx_images_are_left_out_with_a_remark():
    import base64

    # The smallest PNG: one transparent pixel.
    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJ"
        "RU5ErkJggg=="
    )

    def build(document):
        document.add_heading("Pictures", 0)
        document.add_paragraph("Before the picture.")
        document.add_picture(io.BytesIO(png))
        document.add_paragraph("After the picture.")

    parsed = parse_docx(_docx(build), filename="pictures.docx")
    content = parsed.chapters[0].content
    assert "<img" not in content
    assert "Before the picture." in content and "After the picture." in content
    assert any("1 image was left out" in r for r in parsed.remarks)


def test_corrupt_docx_is_a_problem_naming_the_file():
    with pytest.raises(ImportProblem, match="broken.docx"):
        parse_docx(b"this is not a word document", filename="broken.docx")
    good = _docx(lambda d: d.add_paragraph("x"))
    with pytest.raises(ImportProblem, match="cut.docx"):
        parse_docx(good[: len(good) // 2], filename="cut.docx")


@pytest.mark.django_db
def test_script_in_docx_never_survives(user):
    def build(document):
        document.add_heading("Typed Markup", 0)
        document.add_paragraph("<script>alert('x')</script> is only words here.")

    parsed = parse_docx(_docx(build), filename="typed.docx")
    parsed.fandoms = ["Original Work"]
    content = work_import(actor=user, parsed=parsed, post=False).chapters.get().content
    assert "<script" not in content
    assert "&lt;script&gt;" in content
