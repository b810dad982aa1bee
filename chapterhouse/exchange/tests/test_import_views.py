"""The import page, /works/import."""

from __future__ import annotations

import sys
import types

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.exchange.importing import views
from chapterhouse.exchange.importing.parsed import ParsedChapter, ParsedWork
from chapterhouse.exchange.models import ImportedWork, ImportSource
from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.works.models import Work

URL = "/works/import"
STORY = (b"The Lamplighter's Year\n\nChapter 1: Frost\n\nThe lamps on Keel Street were cold.\n\n"
         b"Chapter 2: Thaw\n\nIn March the canal gave way.\n")

pytestmark = pytest.mark.django_db


def _id(table: dict, name: str) -> int:
    return next(key for key, value in table.items() if value == name)


def _upload(name="lamplighter.txt", data=STORY):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _post(client, **fields):
    data = {"publish": "auto", "fandoms": "Harbour Lights (Film)", "file": _upload()}
    data.update(fields)
    return client.post(URL, data)


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def admin(db):
    return UserFactory(username="keeper_admin", is_staff=True)


@pytest.fixture
def fake_ao3(monkeypatch):
    """An AO3 download as the AO3 reader gives it, with tags of its own."""
    module = types.ModuleType("chapterhouse.exchange.importing.ao3")

    def parse_ao3_html(data):
        return ParsedWork(
            title="Tidewater", creators=["someone_elsewhere"], rating="Mature",
            warnings=["No Archive Warnings Apply"], fandoms=["Harbour Lights (Film)"],
            freeforms=["Storms"], language="English", source=ImportSource.AO3_HTML,
            chapters=[ParsedChapter(content="<p>The lamp went out at nine.</p>")],
            remarks=["Left out: a block labelled 'Kudos'."],
        )

    module.parse_ao3_html = parse_ao3_html
    module.parse_ao3_epub = parse_ao3_html
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_guests_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]
    response = client.post(URL, {"file": _upload()})
    assert response.status_code == 302
    assert not Work.objects.exists()


def test_the_form_shows_the_fields_a_file_may_lack(user_client):
    response = user_client.get(URL)
    assert response.status_code == 200
    page = _page(response)
    assert page.select_one("h2.heading").text == "Import a Work"
    form = page.select_one("form#import-form")
    assert form["enctype"] == "multipart/form-data"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    for name in ("file", "fandoms", "rating", "warnings", "categories", "relationships",
                 "characters", "freeforms", "language", "publish"):
        assert form.select_one(f"[name={name}]"), name
        assert form.select_one(f"label[for^=id_{name}]") or form.select_one(
            f"#id_{name}_field legend"), name
    assert form.select_one("input[name=publish][value=auto]").has_attr("checked")


def test_a_text_file_becomes_a_draft_and_opens_on_its_edit_page(user, user_client):
    response = _post(user_client, relationships="Ada/Quill", freeforms="Snow, Lamps",
                     rating=str(_id(RATINGS, "Teen And Up Audiences")))

    work = Work.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/edit"
    assert not work.posted
    assert work.title == "The Lamplighter's Year"
    assert [c.title for c in work.chapters.order_by("position")] == ["Frost", "Thaw"]
    names = {t.name for t in work.tags.all()}
    assert {"Harbour Lights (Film)", "Ada/Quill", "Snow", "Lamps",
            "Teen And Up Audiences"} <= names
    assert work.creatorships.get().pseud.user == user
    assert ImportedWork.objects.get(work=work).source == ImportSource.TEXT

    followed = user_client.get(response["Location"])
    assert "was imported as a draft" in followed.content.decode()


def test_post_now_posts_a_text_file(user_client):
    response = _post(user_client, publish="post")
    work = Work.objects.get()
    assert work.posted
    assert response["Location"] == f"/works/{work.pk}"


def test_an_ao3_download_is_posted_keeps_its_tags_and_adds_the_forms(user_client, fake_ao3):
    response = _post(
        user_client, file=_upload("tidewater.html", b"<html>...</html>"), fandoms="",
        freeforms="Lighthouses", rating=str(_id(RATINGS, "General Audiences")),
        warnings=[str(_id(WARNINGS, "Major Character Death"))],
        categories=[str(_id(CATEGORIES, "F/M"))],
    )

    work = Work.objects.get()
    assert response["Location"] == f"/works/{work.pk}"
    assert work.posted
    names = {t.name for t in work.tags.all()}
    assert {"Mature", "No Archive Warnings Apply", "Harbour Lights (Film)", "Storms",
            "Lighthouses", "F/M"} <= names
    assert "General Audiences" not in names and "Major Character Death" not in names


def test_remarks_from_the_file_are_shown_after_the_import(user_client, fake_ao3):
    response = _post(user_client, file=_upload("tidewater.html", b"<html></html>"))
    page = user_client.get(response["Location"]).content.decode()
    assert "Left out: a block labelled &#39;Kudos&#39;." in page or (
        "Left out: a block labelled 'Kudos'." in page)


def test_a_missing_fandom_keeps_everything_filled_and_asks_for_the_file_again(user_client):
    response = _post(
        user_client, fandoms="", characters="Oriel Vance", freeforms="Winter",
        relationships="Oriel/Dog", language="de", publish="draft",
        rating=str(_id(RATINGS, "Mature")), categories=[str(_id(CATEGORIES, "Gen"))],
    )

    assert response.status_code == 200
    assert not Work.objects.exists()
    page = _page(response)
    error = page.select_one("#error")
    assert "Please choose the file again" in error.text
    assert "fandom" in page.select_one("#id_fandoms_field .error").text.lower()
    assert page.select_one("input[name=characters]")["value"] == "Oriel Vance"
    assert page.select_one("input[name=freeforms]")["value"] == "Winter"
    assert page.select_one("input[name=relationships]")["value"] == "Oriel/Dog"
    assert page.select_one("select[name=language] option[selected]")["value"] == "de"
    assert page.select_one("select[name=rating] option[selected]").text == "Mature"
    assert page.select_one(f"input[name=categories][value='{_id(CATEGORIES, 'Gen')}']") \
        .has_attr("checked")
    assert page.select_one("input[name=publish][value=draft]").has_attr("checked")


def test_a_file_we_cannot_read_shows_the_message_at_the_top(user_client):
    response = _post(user_client, file=_upload("story.pdf", b"%PDF-1.4"), characters="Ines")

    assert response.status_code == 200
    error = _page(response).select_one("#error").text
    assert "story.pdf is not a file we can import" in error
    assert "Please choose the file again" in error
    assert _page(response).select_one("input[name=characters]")["value"] == "Ines"
    assert not Work.objects.exists()


def test_no_file_chosen(user_client):
    response = user_client.post(URL, {"fandoms": "Original Work", "publish": "auto"})
    assert response.status_code == 200
    assert "Please choose a file to import." in response.content.decode()


def test_a_file_too_big_is_refused_before_it_is_read(user_client, monkeypatch):
    from chapterhouse.exchange.importing import forms

    monkeypatch.setattr(forms, "MAX_UPLOAD_BYTES", 10)
    response = _post(user_client)
    assert "lamplighter.txt is too big to import" in response.content.decode()
    assert not Work.objects.exists()


def test_admin_fields_are_hidden_from_other_users(user_client, admin, logged_in):
    page = _page(user_client.get(URL))
    assert not page.select_one("[name=import_for]")
    assert not page.select_one("[name=match_creators]")
    assert "Import for user" not in str(page)

    admin_page = _page(logged_in(admin).get(URL))
    assert admin_page.select_one("input[name=import_for]")
    assert admin_page.select_one("input[name=match_creators]")
    assert "Match creators to accounts here" in str(admin_page)


def test_admin_fields_posted_by_other_users_are_refused(user_client, other_user):
    response = _post(user_client, import_for=other_user.username)
    assert response.status_code == 403
    response = _post(user_client, match_creators="on")
    assert response.status_code == 403
    assert not Work.objects.exists()


def test_an_admin_imports_for_a_user(admin, other_user, logged_in):
    response = _post(logged_in(admin), import_for=other_user.username, publish="post")
    work = Work.objects.get()
    assert response.status_code == 302
    assert work.creatorships.get().pseud.user == other_user
    assert ImportedWork.objects.get(work=work).imported_by == admin


def test_an_admin_naming_nobody_is_told(admin, logged_in):
    response = _post(logged_in(admin), import_for="no_such_person")
    assert "There is no user called no_such_person." in response.content.decode()
    assert not Work.objects.exists()


def test_imports_are_rate_limited(user_client, monkeypatch):
    monkeypatch.setattr(views, "IMPORT_RATE", {"count": 2, "window": 3600})
    assert _post(user_client).status_code == 302
    assert _post(user_client).status_code == 302
    response = _post(user_client, characters="Ines")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "Please try again in" in text and "minutes" in text
    assert _page(response).select_one("input[name=characters]")["value"] == "Ines"
    assert Work.objects.count() == 2


def test_failed_imports_do_not_count_against_the_limit(user_client, monkeypatch):
    monkeypatch.setattr(views, "IMPORT_RATE", {"count": 1, "window": 3600})
    assert _post(user_client, fandoms="").status_code == 200
    assert _post(user_client).status_code == 302


def test_csrf_is_required(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(URL, {"file": _upload(), "fandoms": "Original Work",
                                 "publish": "auto"})
    assert response.status_code == 403
    assert not Work.objects.exists()


def test_a_rule_broken_on_posting_is_shown_and_nothing_is_kept(user_client):
    response = _post(user_client, publish="post", file=_upload("tiny.txt", b"Tiny\n\nHi."))
    assert response.status_code == 200
    error = _page(response).select_one("#error").text
    assert "at least 10 characters" in error
    assert "Please choose the file again" in error
    assert not Work.objects.exists()


def test_a_remark_about_the_text_is_shown_on_the_drafts_edit_page(user_client):
    data = "Café Noir\n\nShe ordered “the usual” and waited.".encode("cp1252")
    response = _post(user_client, file=_upload("cafe.txt", data))
    page = user_client.get(response["Location"]).content.decode()
    assert "was imported as a draft" in page
    assert "read as Windows-1252" in page
    assert Work.objects.get().title == "Café Noir"


def test_a_real_ao3_download_is_posted_with_its_own_fandoms(user_client):
    from pathlib import Path

    sample = Path(__file__).parent / "data" / "ao3" / "multichapter.html"
    if not sample.exists():
        pytest.skip("the AO3 sample download is not here")
    response = _post(user_client, fandoms="", freeforms="Imported Here",
                     file=_upload("ledger.html", sample.read_bytes()))

    work = Work.objects.get()
    assert response["Location"] == f"/works/{work.pk}"
    assert work.posted and work.title == "Ledger of Small Hours"
    assert work.chapters.count() == 3
    names = {t.name for t in work.tags.all()}
    assert {"Copperline (Podcast)", "Night Shift Radio", "Imported Here"} <= names


def test_the_drafts_edit_page_shows_what_was_read_from_a_pasted_text(user_client):
    story = " ".join(['"Did you tie them?" Mara asked.', '"I always do," said Ivo.',
                      "The tide came in over the flats and nobody spoke."] * 40)
    data = f"The Long Way\nby Mara Quill\n\nSummary: Two people and a tide.\n\n{story} " \
           "That was the end. Notes: the title is from a song."
    response = _post(user_client, file=_upload("paste.txt", data.encode()))
    page = _page(user_client.get(response["Location"]))

    preview = page.select_one(".import-preview")
    assert preview is not None
    found = dict(zip([dt.get_text() for dt in preview.select("dt")],
                     [dd.get_text() for dd in preview.select("dd")], strict=True))
    assert found["Title"] == "The Long Way"
    assert found["Byline"].startswith("Mara Quill")
    assert found["Summary"] == "Two people and a tide."
    assert found["End notes"] == "the title is from a song."
    assert found["Beginning notes"] == "none found"
    work = Work.objects.get()
    assert found["Words"] == f"{work.chapters.get().word_count:,}"
    assert work.endnotes and "title is from a song" in work.endnotes
    assert "Notes:" not in work.chapters.get().content
    # The form below holds what was read, to be put right before posting.
    assert page.select_one("#work-form [name$='title']")["value"] == "The Long Way"
    assert work.creatorships.get().pseud.user.username != "Mara Quill"
    # The story came as one line under its title: its paragraphs were guessed.
    assert found["Paragraphs"].endswith("(guessed: the file had no line breaks)")
    assert int(found["Paragraphs"].split()[0]) > 10
