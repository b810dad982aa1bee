"""Hostile files are refused quickly, before anything inflates or parses them:
zip bombs in Word and EPUB files, archives of too many entries, headers that lie
about sizes, and UTF-16 text with broken characters."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest

from chapterhouse.exchange.importing.files import parse_upload
from chapterhouse.exchange.importing.parsed import ImportProblem

DATA = Path(__file__).parent / "data" / "ao3"
ZEROS = b"\0" * (50 * 1024 * 1024)  # inflates to 50 MB, about 50 kB deflated


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def refused(filename: str, data: bytes) -> tuple[str, float]:
    started = time.process_time()
    with pytest.raises(ImportProblem) as problem:
        parse_upload(filename, data)
    return " ".join(problem.value.messages), time.process_time() - started


def test_word_zip_bomb_is_refused_quickly_before_it_is_inflated():
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": ZEROS})
    assert len(bomb) < 200_000
    message, seconds = refused("novel.docx", bomb)
    assert "This Word (.docx) document unpacks to more than 30 MB" in message
    assert seconds < 1


def test_a_word_document_part_over_its_own_limit_is_refused():
    bomb = _zip({"word/document.xml": ZEROS[: 12 * 1024 * 1024]})
    message, seconds = refused("novel.docx", bomb)
    assert "holds a file (word/document.xml) that unpacks to more than 10 MB" in message
    assert seconds < 1


def test_epub_zip_bomb_is_refused_quickly_before_it_is_inflated():
    bomb = _zip({"mimetype": b"application/epub+zip", "META-INF/container.xml": b"<c/>",
                 "OEBPS/chapter1.xhtml": ZEROS})
    message, seconds = refused("work.epub", bomb)
    assert "This EPUB holds a file (OEBPS/chapter1.xhtml) that unpacks to more than 20 MB" in (
        message)
    assert seconds < 1


@pytest.mark.parametrize("filename", ["work.epub", "novel.docx"])
def test_an_archive_of_too_many_entries_is_refused_quickly(filename):
    entries = {f"OEBPS/page{n}.xhtml": b"" for n in range(5_000)}
    entries["word/document.xml"] = b"<w/>"
    message, seconds = refused(filename, _zip(entries))
    assert "holds 5,001 files; at most 1,000 are allowed" in message
    assert seconds < 1


def _lie_about_size(data: bytes, name: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size ``name``'s headers declare."""
    data = bytearray(data)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_entry_whose_header_lies_about_its_size_is_refused_as_damaged():
    from chapterhouse.exchange.importing.archives import EPUB_LIMITS, archive_open

    honest = _zip({"OEBPS/chapter1.xhtml": ZEROS[: 5 * 1024 * 1024]})
    lying = _lie_about_size(honest, b"OEBPS/chapter1.xhtml", 1_000)
    with pytest.raises(ImportProblem, match="damaged"):
        archive_open(lying, EPUB_LIMITS)


def test_utf16_download_with_broken_characters_is_read_with_replacement_marks():
    text = (DATA / "oneshot.html").read_text(encoding="utf-8")
    marker = "<div class=\"userstuff\">"
    at = text.index(marker) + len(marker)
    encoded = "\ufeff".encode("utf-16-le")
    # A lone high surrogate in the story text, and an odd byte at the very end.
    data = (encoded + text[:at].encode("utf-16-le") + b"\x00\xd8"
            + text[at:].encode("utf-16-le") + b"\x41")
    parsed = parse_upload("download.html", data)
    assert parsed.title
    assert "\ufffd" in parsed.chapters[0].content


def test_html_marked_utf16_but_not_utf16_is_refused_with_a_message():
    data = b"\xff\xfe" + (DATA / "oneshot.html").read_bytes()[:-1]  # 8-bit, odd length
    if len(data) % 2 == 0:
        data += b"x"
    with pytest.raises(ImportProblem) as problem:
        parse_upload("download.html", data)
    assert "This file is not HTML" in problem.value.messages[0]
