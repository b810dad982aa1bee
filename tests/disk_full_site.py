"""Run by tests/test_disk_full.py in a process of its own, on a site whose
SQLite file sits on a small filesystem (``DATABASE_URL``): it fills that
filesystem, sends a comment and kudos through the work page's real forms
(CSRF checked), frees the room and sends the comment again. It prints one
JSON object of what it saw; the test judges it.

    python -m tests.disk_full_site FILLER_PATH
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys


def fill(path: str) -> int:
    """Write zeros to ``path`` until the filesystem refuses (ENOSPC)."""
    written = 0
    block = b"\0" * 65536
    with open(path, "wb", buffering=0) as out:
        while True:
            try:
                written += out.write(block)
            except OSError:
                break
        # Whatever is left is smaller than a block: take it a byte at a time.
        while True:
            try:
                written += out.write(b"\0" * 512)
            except OSError:
                break
    return written


def form_data(page: str, form_selector: str) -> tuple[str, dict]:
    from bs4 import BeautifulSoup

    form = BeautifulSoup(page, "html.parser").select_one(form_selector)
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        if field.name == "select":
            option = field.select_one("option[selected]") or field.select_one("option")
            data[field["name"]] = option["value"] if option else ""
        elif field.get("type") not in ("submit", "checkbox") or field.has_attr("checked"):
            data[field["name"]] = field.get("value", "") if field.name == "input" \
                else field.get_text()
    return form["action"], data


def main(filler: str) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chapterhouse.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.responses.models import Comment, Kudos
    from chapterhouse.works.tests.factories import WorkFactory

    call_command("migrate", interactive=False, verbosity=0)
    work = WorkFactory(creator=UserFactory(username="wren_writer"), title="The Salt Road")
    reader = Client(enforce_csrf_checks=True, raise_request_exception=False,
                    HTTP_HOST="127.0.0.1")
    reader.force_login(UserFactory(username="ashby_reader"),
                       backend="django.contrib.auth.backends.ModelBackend")
    page = reader.get(f"/works/{work.pk}").content.decode()
    action, comment = form_data(page, "form.new_comment")
    comment["comment[comment_content]"] = "Before the disk filled: a kept comment."
    posted = reader.post(action, comment)
    seen: dict = {"before": posted.status_code}
    # The redirect is followed only once the disk is full: that first page
    # clears a mark in the session, a write of its own.
    landing = posted["Location"]
    # Start the WAL afresh, so the next write needs new room on the disk.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    database = settings.DATABASES["default"]["NAME"]

    seen["filled_bytes"] = fill(filler)
    shown = reader.get(landing)
    seen["landing_status"] = shown.status_code
    seen["read_shows_kept_comment"] = "a kept comment" in shown.content.decode()
    page = reader.get(f"/works/{work.pk}")
    seen["read_status"] = page.status_code
    action, comment = form_data(page.content.decode(), "form.new_comment")
    text = "Written while the disk was full <b>&amp; kept</b>\nsecond line"
    comment["comment[comment_content]"] = text
    refused = reader.post(action, comment)
    seen["write_status"] = refused.status_code
    seen["write_page"] = refused.content.decode()
    seen["write_cache_control"] = refused.get("Cache-Control", "")
    kudos_action, kudos = form_data(page.content.decode(), "form#new_kudo")
    seen["kudos_status"] = reader.post(kudos_action, kudos).status_code
    connection.close()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        seen["integrity"] = db.execute("PRAGMA integrity_check").fetchone()[0]
        seen["comments_while_full"] = [row[0] for row in db.execute(
            "SELECT content FROM responses_comment ORDER BY id")]

    os.remove(filler)
    again = reader.post(action, comment)
    seen["after_status"] = again.status_code
    seen["comments_after"] = list(
        Comment.objects.filter(work=work).order_by("pk").values_list("content", flat=True))
    seen["kudos_after"] = Kudos.objects.filter(work=work).count()
    seen["typed"] = text
    return seen


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
