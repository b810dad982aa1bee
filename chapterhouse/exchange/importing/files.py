"""One uploaded file → the reader for its kind → a ``ParsedWork``.

The import page and the ``chapterhouse import`` command both come through
``parse_upload``: it refuses files that are too big or of a kind we cannot
read, and picks the reader by the file's extension (or, with none we know,
by what the file starts with).
"""

from __future__ import annotations

import importlib
import io
import zipfile
from pathlib import PurePath

from . import plain
from .archives import MAX_ENTRIES, entry_count
from .parsed import ImportProblem, ParsedWork

#: The largest file we read (AO3's longest downloads are a few megabytes).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_LABEL = "20 MB"

KINDS_MESSAGE = (
    "choose an AO3 download (HTML or EPUB), a text, Markdown or Word (.docx) file."
)

#: Kinds of file, by extension.
AO3_HTML, AO3_EPUB, TEXT, MARKDOWN, DOCX = "ao3_html", "ao3_epub", "text", "markdown", "docx"
_EXTENSIONS = {
    ".html": AO3_HTML, ".htm": AO3_HTML, ".epub": AO3_EPUB, ".txt": TEXT, ".text": TEXT,
    ".md": MARKDOWN, ".markdown": MARKDOWN, ".docx": DOCX,
}
#: The kinds whose files are AO3 downloads (they carry tags and dates).
AO3_KINDS = frozenset({AO3_HTML, AO3_EPUB})
#: What the file picker offers.
ACCEPT = ",".join(sorted(_EXTENSIONS))


def _ao3():
    # Looked up at call time: the AO3 reader is a module of its own.
    return importlib.import_module("chapterhouse.exchange.importing.ao3")


def _zip_names(data: bytes) -> set[str]:
    count = entry_count(data)
    if count is not None and count > MAX_ENTRIES:
        return set()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def _sniff(data: bytes) -> str | None:
    """The kind of a file whose name does not say, from its first bytes."""
    if data.startswith(b"PK"):
        names = _zip_names(data)
        if "word/document.xml" in names:
            return DOCX
        if "mimetype" in names or "META-INF/container.xml" in names:
            return AO3_EPUB
        return None
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return AO3_HTML
    return None


def upload_kind(filename: str, data: bytes = b"") -> str | None:
    """The kind of ``filename`` (one of the constants above), or None."""
    suffix = PurePath((filename or "").replace("\\", "/")).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix in ("", ".bin", ".dat"):  # a name that says nothing: look inside
        return _sniff(data)
    return None


def too_big_message(filename: str) -> str:
    return (f"{filename or 'The file'} is too big to import: files can be at most "
            f"{MAX_UPLOAD_LABEL}.")


def parse_upload(filename: str, data: bytes) -> ParsedWork:
    """Read ``data`` (the file called ``filename``) with the right reader.
    Raises ``ImportProblem`` naming the file when it cannot be imported."""
    name = PurePath((filename or "").replace("\\", "/")).name or "The file"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportProblem(too_big_message(name))
    if not data.strip():
        raise ImportProblem(f"{name} is empty.")
    kind = upload_kind(name, data)
    if kind is None:
        raise ImportProblem(f"{name} is not a file we can import: {KINDS_MESSAGE}")
    if kind == AO3_HTML:
        return _ao3().parse_ao3_html(data)
    if kind == AO3_EPUB:
        return _ao3().parse_ao3_epub(data)
    if kind == MARKDOWN:
        return plain.parse_markdown(data, filename=name)
    if kind == DOCX:
        return plain.parse_docx(data, filename=name)
    return plain.parse_text(data, filename=name)


__all__ = ["ACCEPT", "AO3_KINDS", "MAX_UPLOAD_BYTES", "parse_upload", "upload_kind"]
