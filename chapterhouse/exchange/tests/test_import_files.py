"""Choosing the reader for an uploaded file (exchange/importing/files.py)."""

from __future__ import annotations

import io
import sys
import types
import zipfile

import docx
import pytest

from chapterhouse.exchange.importing import files
from chapterhouse.exchange.importing.files import parse_upload, upload_kind
from chapterhouse.exchange.importing.parsed import ImportProblem, ParsedWork
from chapterhouse.exchange.models import ImportSource

AO3_MODULE = "chapterhouse.exchange.importing.ao3"


@pytest.fixture
def fake_ao3(monkeypatch):
    """Stands in for the AO3 reader: records which of its readers was called."""
    calls = []
    module = types.ModuleType(AO3_MODULE)

    def html(data):
        calls.append(("html", data))
        return ParsedWork(title="From HTML", source=ImportSource.AO3_HTML)

    def epub(data):
        calls.append(("epub", data))
        return ParsedWork(title="From EPUB", source=ImportSource.AO3_EPUB)

    module.parse_ao3_html, module.parse_ao3_epub = html, epub
    monkeypatch.setitem(sys.modules, AO3_MODULE, module)
    return calls


def _docx_bytes(text="Word text.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _epub_like() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("META-INF/container.xml", "<container/>")
    return out.getvalue()


def test_text_markdown_and_docx_go_to_their_readers():
    assert parse_upload("story.txt", b"Lark\n\nSong.").source == ImportSource.TEXT
    assert parse_upload("story.TXT", b"Lark\n\nSong.").source == ImportSource.TEXT
    assert parse_upload("story.md", b"# Lark\n\nSong.").source == ImportSource.MARKDOWN
    assert parse_upload("story.markdown", b"# Lark\n\nSong.").title == "Lark"
    assert parse_upload("story.docx", _docx_bytes()).source == ImportSource.DOCX


def test_ao3_downloads_go_to_the_ao3_reader(fake_ao3):
    assert parse_upload("work.html", b"<html></html>").title == "From HTML"
    assert parse_upload("work.htm", b"<html></html>").title == "From HTML"
    assert parse_upload("work.epub", b"PK...").title == "From EPUB"
    assert [kind for kind, _ in fake_ao3] == ["html", "html", "epub"]


def test_a_file_with_no_extension_is_recognised_by_its_content(fake_ao3):
    assert parse_upload("download", b"<!DOCTYPE html><html></html>").title == "From HTML"
    assert parse_upload("book", _epub_like()).title == "From EPUB"
    assert parse_upload("letter", _docx_bytes("Dear Ines")).source == ImportSource.DOCX
    assert upload_kind("notes", b"just words") is None


@pytest.mark.parametrize("name", ["story.pdf", "story.odt", "story.rtf", "picture.png"])
def test_other_kinds_of_file_are_refused_with_what_to_choose(name):
    with pytest.raises(ImportProblem) as caught:
        parse_upload(name, b"some bytes")
    message = caught.value.messages[0]
    assert message.startswith(f"{name} is not a file we can import")
    assert "AO3 download (HTML or EPUB), a text, Markdown or Word (.docx) file" in message


def test_too_big_a_file_is_refused(monkeypatch):
    monkeypatch.setattr(files, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ImportProblem, match="big.txt is too big to import"):
        parse_upload("big.txt", b"x" * 101)
    assert parse_upload("small.txt", b"Small\n\nx").title == "Small"


def test_the_real_limit_is_twenty_megabytes():
    assert files.MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_an_empty_file_is_refused():
    with pytest.raises(ImportProblem, match="empty.md is empty"):
        parse_upload("empty.md", b"  \n")


def test_a_docx_that_is_not_one_names_the_file():
    with pytest.raises(ImportProblem, match="renamed.docx"):
        parse_upload("renamed.docx", b"plain words in disguise")


def test_the_path_part_of_a_name_is_dropped():
    parsed = parse_upload("C:\\Users\\me\\Desktop\\night_shift.txt", b"It was dark.")
    assert parsed.title == "night shift"
