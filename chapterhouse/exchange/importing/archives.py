"""Opening the zip archives imports come in (EPUB, Word .docx) within fixed bounds.

A zip's sizes are what its headers claim. A small file can claim, or really hold, far
more than it looks: 60 kB of .docx that inflates to 21 MB of XML takes a reader well
over a gigabyte of memory. So before anything reads an archive:

* its entries are counted (at most :data:`MAX_ENTRIES`) and their declared sizes summed
  (at most the archive's ``max_total`` bytes), each entry at most ``max_member``;
* every entry is then inflated through a bounded stream that stops one byte past the
  size the header declares, so a header that lies cannot make us inflate more, and
  a CRC mismatch (what a lie turns into) is refused as a damaged file.

Readers get the checked bytes from :func:`archive_open`'s result and never inflate
anything themselves, except ``mammoth``, which is handed the same archive after every
entry in it has been checked this way.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

from .parsed import ImportProblem

#: The most entries an archive may have. An EPUB of a long work has a few hundred.
MAX_ENTRIES = 1_000

_CHUNK = 64 * 1024
_MB = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """What one kind of archive may unpack to, in bytes."""

    what: str  # "EPUB", "Word (.docx) document"
    max_total: int
    max_member: int


#: An EPUB's pages are parsed one at a time by lxml.
EPUB_LIMITS = ArchiveLimits("EPUB", max_total=100 * _MB, max_member=20 * _MB)
#: mammoth holds the whole document's XML as Python objects (about 70 bytes of memory
#: per byte of XML), so a .docx gets far less room.
DOCX_LIMITS = ArchiveLimits("Word (.docx) document", max_total=30 * _MB, max_member=10 * _MB)


def _mb(size: int) -> str:
    return f"{size // _MB} MB"


def entry_count(data: bytes) -> int | None:
    """How many entries the zip's end record declares, read without parsing its
    directory (which makes one object per entry); None when there is no end record."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or len(data) < end + 22:
        return None
    count = struct.unpack_from("<H", data, end + 10)[0]
    if count == 0xFFFF:  # ZIP64: the real count is in the ZIP64 end record
        start = data.rfind(b"PK\x06\x06", 0, end)
        if start < 0 or len(data) < start + 40:
            return None
        count = struct.unpack_from("<Q", data, start + 32)[0]
    return count


def _read_bounded(book: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits) -> bytes:
    """The entry's bytes, never inflating more than its declared size (plus one byte)."""
    budget = info.file_size + 1
    parts: list[bytes] = []
    with book.open(info) as stream:
        while budget > 0:
            chunk = stream.read(min(_CHUNK, budget))
            if not chunk:
                break
            parts.append(chunk)
            budget -= len(chunk)
    if budget <= 0:
        raise ImportProblem(
            f"This {limits.what} is damaged: {info.filename} holds more than its header says."
        )
    return b"".join(parts)


def _too_many(limits: ArchiveLimits, count: int) -> ImportProblem:
    return ImportProblem(
        f"This {limits.what} holds {count:,} files; at most {MAX_ENTRIES:,} are allowed."
    )


class Archive:
    """A zip whose every entry has been checked and read within ``limits``."""

    def __init__(self, data: bytes, limits: ArchiveLimits) -> None:
        self.limits = limits
        declared = entry_count(data)
        if declared is not None and declared > MAX_ENTRIES:
            raise _too_many(limits, declared)
        try:
            book = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise ImportProblem(
                f"This file is not a {limits.what}: it is not a zip archive, or the archive "
                "is damaged."
            ) from error
        with book:
            infos = [info for info in book.infolist() if not info.is_dir()]
            if len(infos) > MAX_ENTRIES:
                raise _too_many(limits, len(infos))
            total = sum(info.file_size for info in infos)
            if total > limits.max_total:
                raise ImportProblem(
                    f"This {limits.what} unpacks to more than {_mb(limits.max_total)}; it "
                    "cannot be read."
                )
            for info in infos:
                if info.file_size > limits.max_member:
                    raise ImportProblem(
                        f"This {limits.what} holds a file ({info.filename}) that unpacks to "
                        f"more than {_mb(limits.max_member)}; it cannot be read."
                    )
            self.files: dict[str, bytes] = {}
            for info in infos:
                try:
                    self.files[info.filename] = _read_bounded(book, info, limits)
                except ImportProblem:
                    raise
                except (zipfile.BadZipFile, OSError, EOFError, ValueError,
                        NotImplementedError, RuntimeError) as error:
                    raise ImportProblem(
                        f"This {limits.what} is damaged: {info.filename} could not be "
                        "unpacked."
                    ) from error

    def names(self) -> set[str]:
        return set(self.files)

    def read(self, name: str) -> bytes:
        """An entry's bytes; ``KeyError`` when there is none of that name."""
        return self.files[name]


def archive_open(data: bytes, limits: ArchiveLimits) -> Archive:
    """Check and unpack ``data``; raises ``ImportProblem`` naming the limit it breaks."""
    return Archive(data, limits)


__all__ = ["DOCX_LIMITS", "EPUB_LIMITS", "MAX_ENTRIES", "Archive", "ArchiveLimits",
           "archive_open", "entry_count"]
