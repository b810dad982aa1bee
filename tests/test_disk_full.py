"""The disk under the SQLite default fills up: writes are refused with the
site's 507 page giving back what was typed, reading goes on, nothing saved
is damaged, and writing works again once there is room.

A real filesystem: a small tmpfs mounted for the test (root only; CI runs as
root). The site runs in a process of its own (tests/disk_full_site.py)."""

import json
import os
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from django.conf import settings

from tests.test_cli import ROOT


@pytest.fixture
def small_disk(tmp_path):
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the SQLite default's disk; PostgreSQL's own disk is its server's")
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"could not mount a tmpfs: {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_full_disk_refuses_writes_clearly_and_damages_nothing(tmp_path, small_disk):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(CHAPTERHOUSE_VAR_DIR=str(tmp_path / "var"), PYTHONPATH=str(ROOT),
               DATABASE_URL=f"sqlite:///{small_disk / 'site.sqlite3'}")
    done = subprocess.run([sys.executable, "-m", "tests.disk_full_site",
                           str(small_disk / "filler")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])

    assert seen["before"] == 302 and seen["filled_bytes"] > 0
    # Reading goes on while the disk is full.
    # (The first page after the comment would change the session: shown anyway.)
    assert seen["landing_status"] == 200 and seen["read_shows_kept_comment"]
    assert seen["read_status"] == 200
    # The comment is refused with the site's page, in its frame, with the text.
    assert seen["write_status"] == 507
    assert "no-store" in seen["write_cache_control"]
    page = BeautifulSoup(seen["write_page"], "html.parser")
    assert page.select_one("#header") is not None and page.select_one("#footer") is not None
    assert "The archive's disk is full; nothing was saved." in page.get_text()
    assert "Your text is below" in page.get_text()
    kept = page.select_one('#unavailable_repost textarea[name="comment[comment_content]"]')
    assert kept is not None and kept.get_text() == seen["typed"]
    assert "<b>" not in str(kept)  # given back escaped
    assert "Traceback" not in seen["write_page"]
    assert seen["kudos_status"] == 507
    # Nothing saved was damaged, and nothing half-written is there.
    assert seen["integrity"] == "ok"
    assert seen["comments_while_full"] == ["Before the disk filled: a kept comment."]
    # With room again, the same form goes through.
    assert seen["after_status"] == 302
    assert len(seen["comments_after"]) == 2
    assert "second line" in seen["comments_after"][1]
    assert seen["kudos_after"] == 0
