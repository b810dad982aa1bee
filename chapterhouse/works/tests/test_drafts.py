"""Each way a writer could lose text, and how the forms keep it."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import PASSWORD
from chapterhouse.works.models import EditDraft, Work
from chapterhouse.works.services import posting as posting_services
from chapterhouse.works.tests.factories import WorkFactory
from chapterhouse.works.tests.test_views_posting import TEXT, textarea, work_post_data

pytestmark = pytest.mark.django_db

WORDS = "Every word of this paragraph was typed at three in the morning."


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_autosave_stores_the_form_and_answers_the_time(user_client, user):
    response = user_client.post("/works/autosave", {
        "_draft_key": "work:new", "title": "Half a Title", "content": WORDS,
        "warnings": ["16", "17"], "csrfmiddlewaretoken": "x", "post_button": "Post"})
    assert response.status_code == 200
    assert len(response.json()["saved_at"]) == 5  # "14:02"
    draft = EditDraft.objects.get(user=user, key="work:new")
    assert draft.data == {"title": ["Half a Title"], "content": [WORDS],
                          "warnings": ["16", "17"]}


def test_autosave_refuses_other_peoples_works_and_guests(user_client, other_user):
    theirs = WorkFactory(creator=other_user)
    response = user_client.post("/works/autosave", {"_draft_key": f"work:{theirs.pk}",
                                                    "title": "x"})
    assert response.status_code == 403
    guest = Client()
    assert guest.post("/works/autosave", {"_draft_key": "work:new"}).status_code == 403
    assert user_client.post("/works/autosave", {"_draft_key": "bogus"}).status_code == 400
    assert not EditDraft.objects.exists()


def test_form_is_filled_from_a_newer_autosave_with_a_notice_and_discard(user_client, user):
    work = WorkFactory(creator=user, title="Saved Title")
    user_client.post("/works/autosave", {"_draft_key": f"work:{work.pk}",
                                         "title": "Typed Title", "content": WORDS})
    page = soup(user_client.get(f"/works/{work.pk}/edit"))
    assert page.select_one("#id_title")["value"] == "Typed Title"
    assert textarea(page, "id_content") == WORDS
    notice = page.select_one(".restored")
    assert "We restored text you had not posted, saved at" in notice.text
    assert notice.select_one("button[form=discard-draft]").text == "Discard"
    discard = page.select_one("form#discard-draft")
    user_client.post(discard["action"], {i["name"]: i["value"]
                                         for i in discard.select("input")})
    page = soup(user_client.get(f"/works/{work.pk}/edit"))
    assert page.select_one("#id_title")["value"] == "Saved Title"
    assert not page.select_one(".restored")


def test_an_autosave_older_than_the_saved_work_is_not_offered(user_client, user):
    work = WorkFactory(creator=user, title="Saved Title")
    user_client.post("/works/autosave", {"_draft_key": f"work:{work.pk}", "title": "Old"})
    work.title = "Newer Save"
    work.save()
    page = soup(user_client.get(f"/works/{work.pk}/edit"))
    assert page.select_one("#id_title")["value"] == "Newer Save"


def test_successful_post_deletes_the_kept_text(user_client, user):
    user_client.post("/works/autosave", {"_draft_key": "work:new", "title": "T"})
    user_client.post("/works/new", work_post_data(post_button="Post"))
    assert Work.objects.get().posted
    assert not EditDraft.objects.exists()
    assert not soup(user_client.get("/works/new")).select_one(".restored")


def test_without_js_save_draft_on_a_posted_work_keeps_an_edit_draft(user_client, user):
    work = WorkFactory(creator=user, title="Posted Title")
    response = user_client.post(f"/works/{work.pk}/edit", work_post_data(
        title="Unfinished Edit", content=WORDS, save_button="Save Draft"))
    work.refresh_from_db()
    assert work.title == "Posted Title"
    page = soup(user_client.get(response["Location"]))
    assert "the posted work has not changed" in page.text
    assert page.select_one("#id_title")["value"] == "Unfinished Edit"


def test_preview_of_a_posted_work_shows_the_edit_and_update_applies_it(user_client, user):
    work = WorkFactory(creator=user, title="Posted Title")
    response = user_client.post(f"/works/{work.pk}/edit", work_post_data(
        title="Previewed Title", content=WORDS, preview_button="Preview"))
    work.refresh_from_db()
    assert work.title == "Posted Title"
    page = soup(user_client.get(response["Location"]))
    assert page.select_one("h2.title.heading").text == "Previewed Title"
    user_client.post(f"/works/{work.pk}/edit", {"apply_draft": "1"})
    work.refresh_from_db()
    assert work.title == "Previewed Title"
    assert not EditDraft.objects.exists()


def test_without_js_save_draft_of_a_new_chapter_makes_a_draft_chapter(user_client, user):
    work = WorkFactory(creator=user)
    user_client.post(f"/works/{work.pk}/chapters/new", {
        "content": WORDS, "content_format": "html", "save_button": "Save Draft"})
    chapter = work.chapters.get(position=2)
    assert not chapter.posted and chapter.content == WORDS


def test_expired_session_keeps_the_post_until_log_in(user):
    browser = Client()
    response = browser.post("/works/new", work_post_data(
        title="Written While Logged Out", content=WORDS, post_button="Post"))
    assert response.status_code == 302
    assert response["Location"] == "/users/login?return_to=/works/new"
    assert not Work.objects.exists()
    logged_in = browser.post("/users/login/", {"login": user.username, "password": PASSWORD})
    assert logged_in.status_code == 302
    page = soup(browser.get("/works/new"))
    assert page.select_one("#id_title")["value"] == "Written While Logged Out"
    assert textarea(page, "id_content") == WORDS
    assert "Your session had ended" in page.select_one(".restored").text
    # It is kept on the server now too, until it is saved.
    assert EditDraft.objects.get(user=user, key="work:new").data["content"] == [WORDS]


def test_csrf_failure_keeps_the_text_and_links_back(user):
    work = WorkFactory(creator=user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post(f"/works/{work.pk}/edit", work_post_data(
        title="Typed Before The Token Expired", content=WORDS, update_button="Update"),
        HTTP_REFERER=f"http://testserver/works/{work.pk}/edit")
    assert response.status_code == 403
    page = soup(response)
    assert page.select_one("div#main")["class"] == ["error-403", "region"]
    assert page.select_one(f"a[href='/works/{work.pk}/edit']").text == "Go back to the form"
    work.refresh_from_db()
    assert work.title != "Typed Before The Token Expired"
    form = soup(browser.get(f"/works/{work.pk}/edit"))
    assert form.select_one("#id_title")["value"] == "Typed Before The Token Expired"
    assert form.select_one(".restored")


def test_csrf_failure_of_a_guest_keeps_the_text_in_the_session(user):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/works/new", work_post_data(title="Guest Typed", content=WORDS),
                            HTTP_ORIGIN="http://testserver")
    assert response.status_code == 403
    assert "We kept everything you typed" in soup(response).text
    # The log-in form has its own token; the test posts it without checks.
    browser.handler.enforce_csrf_checks = False
    assert browser.post("/users/login/", {"login": user.username,
                                          "password": PASSWORD}).status_code == 302
    page = soup(browser.get("/works/new"))
    assert page.select_one("#id_title")["value"] == "Guest Typed"


def test_a_forged_post_from_another_site_is_never_offered_back(user):
    work = WorkFactory(creator=user)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post(f"/works/{work.pk}/edit", work_post_data(
        title="Planted By Someone Else", content=WORDS, update_button="Update"),
        HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not EditDraft.objects.filter(user=user).exists()
    form = soup(browser.get(f"/works/{work.pk}/edit"))
    assert form.select_one("#id_title")["value"] == work.title
    assert form.select_one(".restored") is None


def test_other_csrf_failures_get_the_plain_message_in_the_frame(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    response = browser.post("/theme", {"theme": "dark"})
    assert response.status_code == 403
    page = soup(response)
    assert page.select_one("h2.heading").text == "Error 403"
    assert "reload the page" in page.text


def test_server_error_mid_post_leaves_the_text_on_the_form(user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(posting_services, "work_create", broken)
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    response = browser.post("/works/new", work_post_data(
        title="Nearly Lost", content=WORDS, post_button="Post"))
    assert response.status_code == 500
    monkeypatch.undo()
    page = soup(browser.get("/works/new"))
    assert page.select_one("#id_title")["value"] == "Nearly Lost"
    assert textarea(page, "id_content") == WORDS
    assert page.select_one(".restored")


def test_validation_error_keeps_the_text_on_the_server_too(user_client, user):
    user_client.post("/works/new", work_post_data(fandoms="", content=TEXT,
                                                   post_button="Post"))
    assert EditDraft.objects.get(user=user, key="work:new").data["content"] == [TEXT]


def test_forms_carry_the_autosave_hooks(user_client, user):
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    for path, key in [("/works/new", "work:new"), (f"/works/{work.pk}/edit", f"work:{work.pk}"),
                      (f"/works/{work.pk}/chapters/new", f"chapter:new:{work.pk}"),
                      (f"/works/{work.pk}/chapters/{chapter.pk}/edit", f"chapter:{chapter.pk}")]:
        page = soup(user_client.get(path))
        form = page.select_one("form[data-autosave-key]")
        assert form["data-autosave-key"] == key, path
        assert form["data-autosave-url"] == "/works/autosave"
        assert page.select_one("#autosave-status[role=status]")
        assert page.select_one("script[src$='works/autosave.js']")


def test_kept_text_leaves_out_nul_characters_postgresql_json_cannot_store():
    from django.http import QueryDict

    from chapterhouse.works.services.drafts import form_data_of

    kept = form_data_of(QueryDict("title=Lamp%00light&fandoms=Tide%00watch&fandoms=Harbour"))
    assert kept["title"] == ["Lamplight"] and kept["fandoms"] == ["Tidewatch", "Harbour"]
