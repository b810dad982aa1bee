"""Download addresses, as AO3 spells them: ``/downloads/ID/Title.epub``.

The file name is the title in plain ASCII letters, digits, ``-`` and ``_``
(spaces become ``_``); the server reads only the id, so an old link with an
old title still works.
"""

from __future__ import annotations

import re
import unicodedata

#: Formats we can serve, with their link texts (AO3's).
FORMATS = {
    "azw3": "AZW3", "epub": "EPUB", "mobi": "MOBI", "pdf": "PDF", "html": "HTML", "txt": "TXT",
}
#: The ones the work page links, in AO3's order (see docs/downloads.md); AZW3 and MOBI
#: only where ebook-convert is installed (``files.served_formats``).
LINKED_FORMATS = ("azw3", "epub", "mobi", "pdf", "html")
FILENAME_MAX = 60


def download_filename(title: str, fmt: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    words = re.sub(r"[^A-Za-z0-9 _-]+", "", ascii_title).split()
    stem = "_".join(words)[:FILENAME_MAX].strip("_-") or "Work"
    return f"{stem}.{fmt}"


def download_path(work, fmt: str, *, with_version: bool = False) -> str:
    """Root-relative address of ``work``'s download in ``fmt``; with
    ``with_version``, AO3's ``?updated_at=UNIXTIME`` of the work's last change."""
    path = f"/downloads/{work.pk}/{download_filename(work.title, fmt)}"
    if with_version and work.updated_at:
        path += f"?updated_at={int(work.updated_at.timestamp())}"
    return path
