"""Download files: which renderer makes each format, and the disk cache.

``download_bytes(work, fmt)`` and ``download_file(work, fmt)`` build the
document (``document_for``), take its fingerprint and answer the cached file
for that fingerprint, rendering it first if it is not on disk yet.

The fingerprint is a SHA-256 of everything the file shows (the document's
``repr``), so any change a reader could notice (an edit, a new chapter, a
renamed tag or pseud, a new series) makes a new file, and an unchanged work is
served from disk. Files are written atomically (a temporary file renamed into
place) and the older files of the same work and format are deleted then. A
renderer that fails leaves nothing behind.

Layout: ``<cache dir>/<work id>/<fingerprint>.<fmt>``. The cache dir is
``settings.DOWNLOADS_CACHE_DIR``, else ``VAR_DIR/downloads``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import import_module
from pathlib import Path

from django.conf import settings

from . import calibre
from .document import DownloadDocument, document_for
from .links import FORMATS, download_filename

#: The module whose ``render(doc) -> bytes`` makes each format ("module:function"
#: for another name). Imported on first use, so one format's missing or broken
#: renderer does not stop the others.
RENDERERS: dict[str, str] = {
    "azw3": "chapterhouse.exchange.downloads.calibre:render_azw3",
    "mobi": "chapterhouse.exchange.downloads.calibre:render_mobi",
    "epub": "chapterhouse.exchange.downloads.epub",
    "pdf": "chapterhouse.exchange.downloads.pdf",
    "html": "chapterhouse.exchange.downloads.html",
    "txt": "chapterhouse.exchange.downloads.text",
}
CONTENT_TYPES: dict[str, str] = {
    "azw3": "application/vnd.amazon.ebook",
    "mobi": "application/x-mobipocket-ebook",
    "epub": "application/epub+zip",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}
#: Raise to make every cached file stale (after a change to a renderer's output).
CACHE_VERSION = "3"

assert set(RENDERERS) == set(FORMATS) == set(CONTENT_TYPES)  # noqa: S101


def renderer(fmt: str) -> Callable[[DownloadDocument], bytes]:
    if fmt not in RENDERERS:
        raise ValueError(f"unknown download format {fmt!r}")
    module, _, name = RENDERERS[fmt].partition(":")
    return getattr(import_module(module), name or "render")


def served_formats() -> tuple[str, ...]:
    """The formats this site serves now, in ``FORMATS`` order: AZW3 and MOBI
    only when Calibre's ebook-convert is installed."""
    kindle = calibre.available()
    return tuple(fmt for fmt in FORMATS if kindle or fmt not in calibre.KINDLE_FORMATS)


def cache_dir() -> Path:
    configured = getattr(settings, "DOWNLOADS_CACHE_DIR", None)
    if configured:
        return Path(configured)
    var_dir = getattr(settings, "VAR_DIR", None)
    if var_dir:
        return Path(var_dir) / "downloads"
    return Path(settings.MEDIA_ROOT).parent / "downloads"


def fingerprint(doc: DownloadDocument, fmt: str) -> str:
    """What the ``fmt`` file of ``doc`` shows, as a hex digest.

    The reader counters (``stats``) and the row's ``updated_at`` are left out:
    no file prints them, and a hit or a kudos must not throw away the file.
    """
    shown = replace(doc, stats={}, updated_at=None)
    key = f"{CACHE_VERSION}\n{fmt}\n{shown!r}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DownloadFile:
    """A rendered file on disk, with what a response needs to send it."""

    path: Path
    fmt: str
    fingerprint: str
    filename: str
    content_type: str

    @property
    def etag(self) -> str:
        return f'"{self.fingerprint[:32]}"'


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _remove_older(target: Path, fmt: str) -> None:
    for old in target.parent.glob(f"*.{fmt}"):
        if old != target:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()


def cached_path(doc: DownloadDocument, digest: str, fmt: str) -> Path:
    """Where the ``fmt`` file of ``doc`` with fingerprint ``digest`` is kept."""
    return cache_dir() / str(doc.work_id) / f"{digest}.{fmt}"


def download_prepare(work, fmt: str, *, doc: DownloadDocument | None = None,
                     digest: str | None = None) -> DownloadFile:
    """The cached ``fmt`` file of ``work``, rendered now if it is not on disk.
    A caller that built ``doc`` (and its ``digest``) already passes them in.

    The caller has checked that the reader may see the work; the file holds
    only what every reader may see, so one file serves everyone.
    """
    render = renderer(fmt)
    if doc is None:
        doc, digest = document_for(work), None
    digest = digest or fingerprint(doc, fmt)
    target = cached_path(doc, digest, fmt)
    if not target.is_file():
        data = render(doc)
        _write_atomically(target, data)
        _remove_older(target, fmt)
    return DownloadFile(
        path=target,
        fmt=fmt,
        fingerprint=digest,
        filename=download_filename(doc.title, fmt),
        content_type=CONTENT_TYPES[fmt],
    )


def download_file(work, fmt: str) -> Path:
    """The path of ``work``'s cached ``fmt`` file (rendered first if needed)."""
    return download_prepare(work, fmt).path


def download_bytes(work, fmt: str) -> bytes:
    """The bytes of ``work``'s ``fmt`` download (from the cache when current)."""
    try:
        return download_file(work, fmt).read_bytes()
    except FileNotFoundError:  # a newer version replaced it just now
        return download_file(work, fmt).read_bytes()


def download_cache_clear(work_id: int) -> None:
    """Delete every cached file of a work (when it is deleted or hidden)."""
    folder = cache_dir() / str(work_id)
    if not folder.is_dir():
        return
    for each in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):
            each.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
