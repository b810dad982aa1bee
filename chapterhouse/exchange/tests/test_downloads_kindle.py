"""The AZW3 and MOBI downloads (Calibre's ebook-convert), and the bounds on the converter.

Each conversion takes seconds, so each format is made once for this module
(``kindle_files``) from the hand-built rich work of ``test_downloads_epub.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chapterhouse.exchange.downloads import calibre
from chapterhouse.exchange.tests.test_downloads_epub import document

EBOOK_META = shutil.which("ebook-meta")
needs_calibre = pytest.mark.skipif(
    not (calibre.available() and EBOOK_META),
    reason="Calibre's ebook-convert and ebook-meta are not installed (Debian: calibre)",
)


def mobi_version(data: bytes) -> int:
    """The file version in the first record's MOBI header: 8 for KF8 (AZW3), 6 for MOBI."""
    first_record = int.from_bytes(data[78:82], "big")
    assert data[first_record + 16:first_record + 20] == b"MOBI"
    return int.from_bytes(data[first_record + 36:first_record + 40], "big")


@pytest.fixture(scope="module")
def kindle_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("kindle")
    made = {}
    for fmt, render in (("azw3", calibre.render_azw3), ("mobi", calibre.render_mobi)):
        path = folder / f"book.{fmt}"
        path.write_bytes(render(document()))
        made[fmt] = path
    return made


@needs_calibre
@pytest.mark.parametrize(("fmt", "version"), [("azw3", 8), ("mobi", 6)])
def test_each_file_is_a_mobipocket_book_of_its_kind(kindle_files, fmt, version):
    data = kindle_files[fmt].read_bytes()
    assert data[60:68] == b"BOOKMOBI"
    assert mobi_version(data) == version


@needs_calibre
@pytest.mark.parametrize("fmt", ["azw3", "mobi"])
def test_each_file_opens_with_its_title_and_creators(kindle_files, fmt):
    shown = subprocess.run(  # noqa: S603
        [EBOOK_META, str(kindle_files[fmt])], capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    fields = dict(
        line.split(":", 1) for line in shown.stdout.splitlines() if ":" in line
    )
    fields = {key.strip(): value.strip() for key, value in fields.items()}
    assert fields["Title"] == "Salt & <Signal>: Café — naïve 日本語"
    assert fields["Author(s)"] == "rowan & mireille"
    assert fields["Publisher"] == "Chapterhouse"


# The bounds, with stand-in converters that misbehave ------------------------------------


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive (a killed process waiting to be reaped is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _stand_in(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "ebook-convert"
    script.write_text(f"#!{sys.executable}\nimport os, sys, time\n{body}\n")
    script.chmod(0o755)
    return script


def test_a_converter_that_runs_too_long_is_stopped_with_what_it_started(settings, tmp_path):
    pids = tmp_path / "pids"
    settings.EBOOK_CONVERT = str(_stand_in(tmp_path, (
        "import subprocess\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)"
    )))
    # Long enough for the stand-in to start its child and say so on a busy machine.
    settings.EBOOK_CONVERT_TIMEOUT = 8

    started = time.monotonic()
    with pytest.raises(calibre.ConversionFailed, match="longer than 8 s"):
        calibre.convert(b"book", "epub", "mobi")

    assert time.monotonic() - started < 50
    started_pids = [int(pid) for pid in pids.read_text().split()]
    # A killed process can take a moment to die: wait for it a little.
    deadline = time.monotonic() + 10
    while any(map(_running, started_pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [pid for pid in started_pids if _running(pid)] == []


def test_a_converter_that_writes_too_much_is_refused(settings, tmp_path):
    settings.EBOOK_CONVERT = str(_stand_in(tmp_path, (
        "with open(sys.argv[2], 'wb') as out:\n"
        "    for _ in range(64):\n"
        "        out.write(b'x' * 65536)\n"
    )))
    settings.EBOOK_CONVERT_MAX_BYTES = 100_000

    with pytest.raises(calibre.ConversionFailed):
        calibre.convert(b"book", "epub", "mobi")


def test_a_failing_converter_says_why_and_leaves_no_files(settings, tmp_path, monkeypatch):
    settings.EBOOK_CONVERT = str(_stand_in(tmp_path, "print('no such input'); sys.exit(3)"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(scratch))

    with pytest.raises(calibre.ConversionFailed, match="exit 3.*no such input"):
        calibre.convert(b"book", "epub", "mobi")

    assert list(scratch.iterdir()) == []


def test_without_the_converter_it_is_not_available(settings):
    settings.EBOOK_CONVERT = "/nonexistent/ebook-convert"

    assert not calibre.available()
    with pytest.raises(calibre.ConversionFailed, match="not installed"):
        calibre.convert(b"book", "epub", "mobi")
