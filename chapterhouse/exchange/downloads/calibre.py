"""The AZW3 and MOBI downloads, made by Calibre's ``ebook-convert`` from our EPUB.

AO3 makes its Kindle files with Calibre too. ``render_azw3(doc)`` and
``render_mobi(doc)`` render the EPUB download (``epub.render``: AO3's preface
first, the chapters, the afterword, the table of contents) and convert it; so
the Kindle files show exactly what the EPUB shows.

The converter is a separate program, run without a shell and bounded:

- it runs in a temporary directory of its own (its configuration and temporary
  files too), deleted afterwards;
- ``settings.EBOOK_CONVERT_TIMEOUT`` seconds, then it and anything it started
  are killed;
- every file it writes (the book and its log) is limited to
  ``settings.EBOOK_CONVERT_MAX_BYTES`` by the kernel (``RLIMIT_FSIZE``).

When the program is not installed (``available()`` is false) the two formats
are not offered: the work page does not link them, their addresses answer 404
and the downloads help says why.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

from .document import DownloadDocument

#: The formats this module makes.
KINDLE_FORMATS = ("azw3", "mobi")
#: Bytes of the converter's log kept for the error message.
LOG_TAIL = 2000


class ConversionFailed(RuntimeError):
    """ebook-convert is missing, failed, took too long or wrote too much."""


def converter() -> str | None:
    """The converter's path, or None when it is not installed."""
    configured = getattr(settings, "EBOOK_CONVERT", "") or ""
    if not configured:
        return None
    return shutil.which(configured)


def available() -> bool:
    return converter() is not None


def _bounded(max_bytes: int):
    def limit() -> None:  # in the child, before ebook-convert starts
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return limit


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _tail(log: Path) -> str:
    try:
        with log.open("rb") as handle:
            handle.seek(max(0, log.stat().st_size - LOG_TAIL))
            return handle.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


def convert(source: bytes, source_ext: str, fmt: str) -> bytes:
    """``source`` (a ``source_ext`` book) converted by ebook-convert to ``fmt``."""
    program = converter()
    if program is None:
        raise ConversionFailed("ebook-convert is not installed")
    timeout = float(settings.EBOOK_CONVERT_TIMEOUT)
    max_bytes = int(settings.EBOOK_CONVERT_MAX_BYTES)
    with tempfile.TemporaryDirectory(prefix="chapterhouse-convert-") as work_dir:
        folder = Path(work_dir)
        source_path, target = folder / f"book.{source_ext}", folder / f"book.{fmt}"
        log = folder / "convert.log"
        source_path.write_bytes(source)
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOME": work_dir,
            "LANG": "C.UTF-8",
            "CALIBRE_CONFIG_DIRECTORY": str(folder / "config"),
            "CALIBRE_TEMP_DIR": str(folder / "tmp"),
            "CALIBRE_CACHE_DIRECTORY": str(folder / "cache"),
            "QT_QPA_PLATFORM": "offscreen",
        }
        (folder / "tmp").mkdir()
        with log.open("wb") as log_file:
            process = subprocess.Popen(  # noqa: S603 - a fixed program and our own files
                [program, str(source_path), str(target)],
                stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                cwd=work_dir, env=env, start_new_session=True,
                preexec_fn=_bounded(max_bytes),  # noqa: PLW1509 - only setrlimit
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                process.wait()
                raise ConversionFailed(
                    f"ebook-convert took longer than {timeout:g} s and was stopped"
                ) from None
            finally:
                _kill_group(process)  # anything it left running
        if process.returncode != 0 or not target.is_file():
            raise ConversionFailed(
                f"ebook-convert failed (exit {process.returncode}): {_tail(log)}"
            )
        if target.stat().st_size >= max_bytes:
            raise ConversionFailed(f"ebook-convert wrote {max_bytes} bytes or more")
        return target.read_bytes()


def _from_epub(doc: DownloadDocument, fmt: str) -> bytes:
    from . import epub

    return convert(epub.render(doc), "epub", fmt)


def render_azw3(doc: DownloadDocument) -> bytes:
    """The AZW3 (Kindle KF8) file of ``doc``."""
    return _from_epub(doc, "azw3")


def render_mobi(doc: DownloadDocument) -> bytes:
    """The MOBI file of ``doc``."""
    return _from_epub(doc, "mobi")
