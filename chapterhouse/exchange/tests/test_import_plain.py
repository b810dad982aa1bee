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


# --- plain text as people paste it ---------------------------------------------

SENTENCES = [
    "The tide came in over the flats before anyone had noticed the boats were gone.",
    '"Did you tie them?" Mara asked.',
    '"I always tie them," said Ivo.',
    "Nobody believed him, and he did not believe himself either.",
    "They walked the sea wall until the lamps came on in the harbour.",
]


def _one_line_story(length: int = 17_000) -> str:
    parts, size = [], 0
    while size < length:
        sentence = SENTENCES[len(parts) % len(SENTENCES)]
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


def test_a_one_line_story_gets_its_end_notes_and_guessed_paragraphs():
    story = _one_line_story() + " And that was the end."
    data = f"{story} Notes: the title is from a song my sister sang. Thanks for reading!"
    assert "\n" not in data and len(data) > 17_000

    parsed = parse_text(data.encode(), filename="the_flats.txt")

    assert " ".join(parsed.endnotes.split()) == (
        "the title is from a song my sister sang. Thanks for reading!")
    content = parsed.chapters[0].content
    assert "Notes:" not in content and "Thanks for reading" not in content
    assert content.endswith("And that was the end.")
    paragraphs = content.split("\n\n")
    assert len(paragraphs) > 20
    assert all(len(p) <= 2000 for p in paragraphs)
    assert " ".join(paragraphs).split() == story.split()  # nothing lost or moved
    # A new speaker starts a paragraph.
    assert any(p.startswith('"I always tie them,"') for p in paragraphs)
    assert parsed.paragraphs_guessed
    assert any("paragraphs were guessed" in r for r in parsed.remarks)
    assert ("Paragraphs", f"{len(paragraphs):,} (guessed: the file had no line breaks)") in (
        parsed.detected())


@pytest.mark.parametrize("label", ["Notes:", "Author's Note:", "A/N:", "End notes:", "A/N"])
def test_end_notes_introduced_inline_after_the_last_sentence(label):
    parsed = parse_text(
        f"Salt\n\nShe went down to the water.\n\nShe came back. The end. {label} "
        "for Petra, who asked.\n".encode()
    )
    assert parsed.endnotes == "for Petra, who asked."
    assert parsed.chapters[0].content == "She went down to the water.\n\nShe came back. The end."

    # A label inside a sentence is story text.
    inside = parse_text(b"Ledger\n\nShe left. She kept notes: salt, flour and string.\n")
    assert inside.endnotes == "" and inside.notes == ""
    assert "notes: salt" in inside.chapters[0].content


@pytest.mark.parametrize("label", ["Notes:", "Author's Note:", "A/N:", "Beginning notes:"])
def test_beginning_notes_before_the_story(label):
    parsed = parse_text(
        f"Salt\n\n{label} written for my sister.\n\nShe went down to the water.\n\n"
        "Notes: the title is from a song.\n".encode()
    )
    assert parsed.notes == "written for my sister."
    assert parsed.endnotes == "the title is from a song."
    assert parsed.chapters[0].content == "She went down to the water."


def test_beginning_notes_label_on_its_own_line_and_ao3s_pointer_to_the_end():
    parsed = parse_text(
        b"Salt\n\nNotes:\n\nwritten for my sister.\n(See the end of the work for more notes.)"
        b"\n\nWork Text:\n\nShe went down to the water.\n\nNotes:\n\nthanks!\n"
    )
    assert parsed.notes == "written for my sister."
    assert parsed.chapters[0].content == "She went down to the water."
    assert parsed.endnotes == "thanks!"


def test_beginning_notes_inline_in_a_one_line_story():
    story = _one_line_story(3000)
    parsed = parse_text(f"A/N: written for my sister. {story}".encode())
    assert parsed.notes == "written for my sister."
    assert parsed.chapters[0].content.startswith(SENTENCES[0])


def test_title_line_byline_and_summary():
    parsed = parse_text(
        b"Title: The Long Way\nAuthor: Mara Quill\nSummary: Two people and a tide.\n\n"
        b"The tide came in.\n", filename="story.txt")
    assert parsed.title == "The Long Way"
    assert parsed.byline == "Mara Quill"
    assert parsed.summary == "Two people and a tide."
    assert parsed.creators == []   # reported, never credited
    assert parsed.chapters[0].content == "The tide came in."


def test_title_followed_by_a_byline():
    parsed = parse_text(b"The Long Way\nby Mara Quill\n\nThe tide came in.\n", filename="x.txt")
    assert parsed.title == "The Long Way"
    assert parsed.byline == "Mara Quill"
    assert parsed.chapters[0].content == "The tide came in."
    rows = dict(parsed.detected())
    assert rows["Byline"].startswith("Mara Quill")
    assert rows["Words"] == "4"


def test_a_sentence_starting_with_by_is_not_a_byline():
    parsed = parse_text(b"The Long Way\n\nBy morning the tide had gone out.\n")
    assert parsed.byline == ""
    assert parsed.chapters[0].content == "By morning the tide had gone out."

    titled = parse_text(b"By the Sea\n\nThe tide came in.\n")
    assert titled.title == "By the Sea" and titled.byline == ""
    assert parsed.byline == "" and titled.chapters[0].content == "The tide came in."

    named = parse_text(b"Author: Mara Quill\n\nThe tide came in.\n", filename="tide.txt")
    assert named.title == "tide" and named.byline == "Mara Quill"


@pytest.mark.django_db
def test_word_count_by_ao3s_rules_leaves_the_notes_out(user):
    story = _one_line_story(5000) + " It was well-known: don't -- ever -- go out at 1,000 feet."
    data = (f"Author's Note: for my sister and her dog. {story} "
            "Notes: the title is from a song, one two three four five.")
    parsed = parse_text(data.encode(), filename="tide.txt")
    parsed.fandoms = ["Original Work"]
    work = work_import(actor=user, parsed=parsed, post=True)

    from chapterhouse.works.text import word_count

    assert work.word_count == word_count(story, is_html=False)
    assert work.chapters.get().word_count == work.word_count
    assert "for my sister" in work.notes and "from a song" in work.endnotes
    # well-known, don't and 1,000 are one word each; -- separates.
    assert word_count("It was well-known: don't -- ever -- go out at 1,000 feet.",
                      is_html=False) == 10


def test_a_megabyte_line_with_no_punctuation_is_cut_into_bounded_paragraphs():
    data = ("word " * 200_000).strip()
    parsed = parse_text(data.encode())
    paragraphs = parsed.chapters[0].content.split("\n\n")
    assert len(paragraphs) >= 500
    assert all(0 < len(p) <= 2000 for p in paragraphs)
    assert sum(len(p.split()) for p in paragraphs) == 200_000


def test_a_million_note_labels_and_dots_are_read_within_bounds():
    labels = parse_text(("A/N: " * 1_000_000).encode())
    assert len(labels.endnotes) <= 5000
    kept = sum(c.content.count("A/N") for c in labels.chapters) + labels.notes.count("A/N") + (
        labels.endnotes.count("A/N"))
    # At most two labels are read as labels (beginning and end notes); the rest is kept.
    assert 1_000_000 - 2 <= kept <= 1_000_000
    assert all(len(p) <= 2000 for c in labels.chapters for p in c.content.split("\n\n"))

    dots = parse_text(("x" + "." * 1_000_000 + " y").encode())
    assert "".join(c.content for c in dots.chapters).count(".") == 1_000_000
    assert all(len(p) <= 2000 for c in dots.chapters for p in c.content.split("\n\n"))


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
