"""epubcheck, the EPUB validator, for tests: on one book or on many in one JVM.

Debian's ``epubcheck`` package (installed by ``scripts/test.py``) puts the jar
itself at ``/usr/bin/epubcheck``; ``EPUBCHECK`` points elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

EPUBCHECK = Path(os.environ.get("EPUBCHECK", "/usr/bin/epubcheck"))
JAVA = shutil.which("java")
needs_epubcheck = pytest.mark.skipif(
    not EPUBCHECK.exists() or (zipfile.is_zipfile(EPUBCHECK) and not JAVA),
    reason=f"epubcheck is not installed at {EPUBCHECK} (apt-get install epubcheck)",
)


#: Checks several books in one JVM (starting Java costs seconds per book). Needs a
#: JDK (``java File.java``); with only a JRE the command line is run per book.
BATCH_CHECKER = """
import com.adobe.epubcheck.api.EpubCheck;
import java.io.File;
public class BatchCheck {
    public static void main(String[] args) {
        for (String name : args) {
            System.err.println("=== " + name);
            System.err.flush();
            new EpubCheck(new File(name)).doValidate();
            System.out.flush();
            System.err.flush();
        }
    }
}
"""
JVM_FLAGS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]


def _problems(output: str) -> list[str]:
    return [
        line for line in output.splitlines() if line.startswith(("ERROR", "FATAL", "WARNING"))
    ]


def epubcheck(path: Path) -> list[str]:
    """epubcheck's error, fatal and warning lines for ``path`` (empty when valid)."""
    if zipfile.is_zipfile(EPUBCHECK):  # Debian installs the jar itself as the command
        command = [JAVA, *JVM_FLAGS, "-jar", str(EPUBCHECK)]
    else:
        command = [str(EPUBCHECK)]
    result = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    problems = _problems(output)
    if result.returncode != 0 and not problems:
        problems = [f"epubcheck exited with {result.returncode}: {output[-2000:]}"]
    return problems


def _epubcheck_batch(paths: list[Path]) -> dict[str, list[str]] | None:
    if not (JAVA and zipfile.is_zipfile(EPUBCHECK)):
        return None
    source = paths[0].parent / "BatchCheck.java"
    source.write_text(BATCH_CHECKER)
    result = subprocess.run(
        [JAVA, *JVM_FLAGS, "-cp", str(EPUBCHECK), str(source), *map(str, paths)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    sections = result.stderr.split("=== ")[1:]
    if result.returncode != 0 or len(sections) != len(paths):
        return None  # no compiler, or the API changed: use the command line
    found = {}
    for path, section in zip(paths, sections, strict=True):
        assert section.startswith(str(path))
        found[path.name] = _problems(section)
    return found


def epubcheck_all(paths: list[Path]) -> dict[str, list[str]]:
    """epubcheck's problems for each of ``paths``, by file name."""
    found = _epubcheck_batch(paths)
    if found is not None:
        return found
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = pool.map(epubcheck, paths)
    return {path.name: problems for path, problems in zip(paths, results, strict=True)}
