import time

import pytest
from bs4 import BeautifulSoup

from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import Creatorship, Gift, Series, Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series
from chapterhouse.works.text import word_count

pytestmark = pytest.mark.django_db

TEXT = "The lamp burned all night while the sea argued with the rocks."


def work_post_data(**kwargs):
    data = {
        "title": "Salt and Lamplight", "rating": str(GENERAL),
        "warnings": [str(NO_WARNINGS_APPLY)], "fandoms": "Tidewatch",
        "language": "en", "comment_permission": "everyone", "corrections_enabled": "on",
        "content": TEXT, "content_format": "html", "summary_format": "html",
        "notes_format": "html", "endnotes_format": "html", "expected_chapters": "?",
    }
    data.update(kwargs)
    return data


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def textarea(page, element_id):
    """A textarea's value as a browser reads it (one leading newline dropped)."""
    text = page.select_one(f"#{element_id}").text
    return text[1:] if text.startswith("\n") else text


def test_guest_is_sent_to_log_in(client):
    response = client.get("/works/new")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?return_to=/works/new")


def test_new_work_form_has_a_label_for_every_field(user_client):
    page = soup(user_client.get("/works/new"))
    form = page.select_one("form#work-form")
    for name in ["title", "summary", "notes", "endnotes", "rating", "fandoms", "relationships",
                 "characters", "freeforms", "language", "series", "new_series_title",
                 "cocreators", "gifts", "parent_url", "restricted", "published_on", "skin",
                 "change_note", "chapter_title", "content", "content_format",
                 "expected_chapters"]:
        assert form.select_one(f"label[for=id_{name}]"), name
    assert form.select("input[name=warnings][type=checkbox]")
    assert page.select_one("div#main")["class"] == ["works-new", "region"]
    assert [b["value"] for b in form.select("input[type=submit]")] == [
        "Save Draft", "Preview", "Post"]


def test_post_button_posts_the_work(user_client, user):
    response = user_client.post("/works/new", work_post_data(post_button="Post"))
    work = Work.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/works/{work.pk}"
    assert work.posted and work.chapters.get().posted


def test_save_draft_keeps_a_draft_and_returns_to_the_form(user_client):
    response = user_client.post("/works/new", work_post_data(save_button="Save Draft"))
    work = Work.objects.get()
    assert not work.posted
    assert response["Location"] == f"/works/{work.pk}/edit"
    page = soup(user_client.get(response["Location"]))
    assert page.select_one("#id_title")["value"] == "Salt and Lamplight"
    assert "Draft saved" in page.text


def test_errors_show_beside_fields_and_keep_everything_typed(user_client):
    response = user_client.post("/works/new", work_post_data(
        fandoms="", freeforms="Storms^", summary="A summary I typed",
        post_button="Post"))
    assert response.status_code == 200
    page = soup(response)
    assert "Please add at least one fandom." in page.select_one("#id_fandoms_field").text
    assert "restricted characters" in page.select_one("#id_freeforms_field").text
    assert page.select_one("#id_freeforms")["value"] == "Storms^"
    assert textarea(page, "id_summary") == "A summary I typed"
    assert textarea(page, "id_content") == TEXT
    assert not Work.objects.exists()


def test_preview_then_post(user_client, client, other_user):
    response = user_client.post("/works/new", work_post_data(preview_button="Preview"))
    work = Work.objects.get()
    assert response["Location"] == f"/works/{work.pk}/preview"
    page = soup(user_client.get(response["Location"]))
    assert page.select_one("h2.title.heading").text == "Salt and Lamplight"
    assert TEXT in page.select_one("#chapters .userstuff").text
    assert page.select_one(f"form[action='/works/{work.pk}/post']")
    user_client.post(f"/works/{work.pk}/post")
    work.refresh_from_db()
    assert work.posted


def test_others_get_403_on_every_edit_page(user, other_user, client):
    work = WorkFactory(creator=user, chapters=2)
    chapter = work.chapters.first()
    client.force_login(other_user)
    for path in [f"/works/{work.pk}/edit", f"/works/{work.pk}/preview",
                 f"/works/{work.pk}/delete", f"/works/{work.pk}/orphan",
                 f"/works/{work.pk}/chapters/new", f"/works/{work.pk}/chapters/manage",
                 f"/works/{work.pk}/chapters/{chapter.pk}/edit",
                 f"/works/{work.pk}/chapters/{chapter.pk}/delete"]:
        assert client.get(path).status_code == 403, path
    assert client.post(f"/works/{work.pk}/delete").status_code == 403
    assert Work.objects.filter(pk=work.pk).exists()


def test_edit_form_shows_the_saved_work_and_updates_it(user_client, user):
    work = WorkFactory(creator=user, title="First Title")
    page = soup(user_client.get(f"/works/{work.pk}/edit"))
    assert page.select_one("#id_title")["value"] == "First Title"
    assert page.select_one("#id_fandoms")["value"] == "Lighthouse Keepers"
    assert [b["value"] for b in page.select("form#work-form input[type=submit]")] == [
        "Save Draft", "Preview", "Update"]
    response = user_client.post(f"/works/{work.pk}/edit", work_post_data(
        title="Second Title", update_button="Update"))
    assert response.status_code == 302
    work.refresh_from_db()
    assert work.title == "Second Title"
    assert work.revisions.get().title == "First Title"


def test_delete_asks_then_deletes(user_client, user):
    work = WorkFactory(creator=user)
    page = soup(user_client.get(f"/works/{work.pk}/delete"))
    assert "Are you sure" in page.select_one("h2.heading").text
    assert Work.objects.filter(pk=work.pk).exists()
    user_client.post(f"/works/{work.pk}/delete")
    assert not Work.objects.filter(pk=work.pk).exists()


def test_orphan_asks_then_orphans(user_client, user):
    work = WorkFactory(creator=user)
    assert "orphan_account" in user_client.get(f"/works/{work.pk}/orphan").content.decode()
    user_client.post(f"/works/{work.pk}/orphan")
    assert work.creatorships.get().pseud.user.username == "orphan_account"


def test_add_chapter_and_manage_order(user_client, user):
    work = WorkFactory(creator=user)
    page = soup(user_client.get(f"/works/{work.pk}/chapters/new"))
    for name in ["title", "summary", "notes", "endnotes", "content", "scheduled_for"]:
        assert page.select_one(f"label[for=id_{name}]"), name
    response = user_client.post(f"/works/{work.pk}/chapters/new", {
        "title": "Second", "content": TEXT, "content_format": "html", "expected_chapters": "2",
        "post_button": "Post"})
    second = work.chapters.get(position=2)
    assert response.status_code == 302 and second.posted
    work.refresh_from_db()
    assert work.chapters_display == "2/2" and work.complete
    first = work.chapters.get(position=1)
    response = user_client.post(f"/works/{work.pk}/chapters/manage", {
        f"position_{first.pk}": "2", f"position_{second.pk}": "1"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.position == 2


def test_bad_position_numbers_are_shown_and_kept(user_client, user):
    work = WorkFactory(creator=user, chapters=2)
    one, two = work.chapters.order_by("position")
    response = user_client.post(f"/works/{work.pk}/chapters/manage", {
        f"position_{one.pk}": "x", f"position_{two.pk}": "1"})
    assert response.status_code == 400
    page = soup(response)
    assert "whole number" in page.select_one(".flash.error").text
    assert page.select_one(f"#position_{one.pk}")["value"] == "x"


def test_scheduled_chapter_is_shown_as_scheduled(user_client, user):
    work = WorkFactory(creator=user)
    user_client.post(f"/works/{work.pk}/chapters/new", {
        "content": TEXT, "content_format": "html", "scheduled_for": "2099-05-01T14:00",
        "post_button": "Post"})
    chapter = work.chapters.get(position=2)
    assert not chapter.posted and chapter.scheduled_for.year == 2099
    page = soup(user_client.get(f"/works/{work.pk}/chapters/manage"))
    assert "Scheduled for 01 May 2099 14:00" in page.select_one(f"#chapter_{chapter.pk}").text


def test_only_chapter_cannot_be_deleted(user_client, user):
    work = WorkFactory(creator=user)
    chapter = work.chapters.get()
    assert "cannot be deleted" in user_client.get(
        f"/works/{work.pk}/chapters/{chapter.pk}/delete").content.decode()
    user_client.post(f"/works/{work.pk}/chapters/{chapter.pk}/delete")
    assert work.chapters.count() == 1


def test_delete_a_chapter(user_client, user):
    work = WorkFactory(creator=user, chapters=2)
    chapter = work.chapters.get(position=1)
    user_client.post(f"/works/{work.pk}/chapters/{chapter.pk}/delete")
    assert list(work.chapters.values_list("position", flat=True)) == [1]


def test_invitee_accepts_on_the_creatorships_page(user, other_user, client):
    work = WorkFactory(creator=user)
    invitation = Creatorship.objects.create(work=work, pseud=other_user.pseuds.get(),
                                            accepted=False, invited_by=user)
    client.force_login(other_user)
    assert client.get("/users/rowan_test/creatorships").status_code == 403
    page = soup(client.get("/users/mireille_test/creatorships"))
    assert work.title in page.select_one(f"#creatorship_{invitation.pk}").text
    client.post("/users/mireille_test/creatorships",
                {"creatorship_id": invitation.pk, "accept": "Accept"})
    invitation.refresh_from_db()
    assert invitation.accepted


def test_invitation_refused_by_preference_shows_beside_the_field(user_client, other_user):
    other_user.preference.allow_cocreator = False
    other_user.preference.save()
    response = user_client.post("/works/new", work_post_data(
        cocreators="mireille_test", post_button="Post"))
    field = soup(response).select_one("#id_cocreators_field")
    assert "You can't invite mireille_test to be a co-creator." in field.text
    assert not Work.objects.exists()


def test_recipient_refuses_a_gift(user, other_user, client):
    work = WorkFactory(creator=user)
    gift = Gift.objects.create(work=work, recipient=other_user)
    assert work.title in soup(client.get("/users/mireille_test/gifts")).select_one(
        f"#gift_{gift.pk}").text
    assert client.post("/users/mireille_test/gifts", {"gift_id": gift.pk}).status_code == 403
    gift.refresh_from_db()
    assert not gift.refused
    client.force_login(other_user)
    client.post("/users/mireille_test/gifts", {"gift_id": gift.pk})
    gift.refresh_from_db()
    assert gift.refused


def test_series_edit(user_client, user, client, other_user):
    series = add_to_series(WorkFactory(creator=user))
    response = user_client.post(f"/series/{series.pk}/edit",
                                {"title": "Tides Again", "summary": "Waves.",
                                 "summary_format": "plain", "complete": "on"})
    assert response.status_code == 302
    series = Series.objects.get(pk=series.pk)
    assert (series.title, series.summary, series.complete) == ("Tides Again", "<p>Waves.</p>",
                                                               True)
    client.force_login(other_user)
    assert client.get(f"/series/{series.pk}/edit").status_code == 403


DEEP_LIST = "<ul>" * 125_000  # 500,000 characters: the chapter length limit


def warm_up(client) -> None:
    """Load what the first request of a test process loads (pages, word-count tables),
    so the timing below measures the text alone."""
    client.get("/works/new")
    word_count("warm")


def test_deeply_nested_text_is_refused_quickly_and_kept_in_the_form(user_client):
    warm_up(user_client)
    started = time.process_time()
    response = user_client.post("/works/new", work_post_data(
        content=DEEP_LIST, summary="A summary I typed", post_button="Post"))
    assert time.process_time() - started < 1
    assert response.status_code == 200
    page = soup(response)
    assert "at most 100 levels" in page.select_one("#id_content_field").text
    assert textarea(page, "id_summary") == "A summary I typed"
    assert textarea(page, "id_content") == DEEP_LIST
    assert not Work.objects.exists()


def test_deeply_nested_markdown_summary_is_refused_beside_its_field(user_client):
    response = user_client.post("/works/new", work_post_data(
        summary=">" * 1_000, summary_format="markdown", post_button="Post"))
    assert response.status_code == 200
    page = soup(response)
    assert "at most 40 levels" in page.select_one("#id_summary_field").text
    assert not Work.objects.exists()


def test_deep_but_reasonable_nesting_still_posts(user_client):
    text = "<blockquote>" * 10 + "<ul><li>" * 40 + TEXT + "</li></ul>" * 40
    response = user_client.post("/works/new", work_post_data(content=text, post_button="Post"))
    work = Work.objects.get()
    assert response.status_code == 302 and work.posted
    assert work.chapters.get().content.count("<ul>") == 40


@pytest.mark.django_db(transaction=True)
def test_texts_are_sanitised_before_the_write_transaction_opens(user, monkeypatch):
    from django.db import connection
    from django.test import Client

    from chapterhouse.works import text

    in_transaction = []
    cleaner = text._CLEANER

    class Watched:
        def clean(self, value):
            in_transaction.append(connection.in_atomic_block)
            return cleaner.clean(value)

    monkeypatch.setattr(text, "_CLEANER", Watched())
    client = Client()
    client.force_login(user)
    response = client.post("/works/new", work_post_data(post_button="Post"))
    assert response.status_code == 302 and Work.objects.get().posted
    assert in_transaction and not any(in_transaction)
@pytest.mark.parametrize("typed", ["99999999999999999999", "2147483648", "9" * 5000])
def test_an_expected_chapter_count_past_its_column_is_refused_and_kept(user_client, typed):
    response = user_client.post("/works/new", work_post_data(expected_chapters=typed,
                                                             post_button="Post"))
    assert response.status_code == 200
    page = soup(response)
    assert ("The expected number of chapters must be at most 2,147,483,647."
            in page.select_one("#id_expected_chapters_field").text)
    assert page.select_one("#id_expected_chapters")["value"] == typed
    assert not Work.objects.exists()


@pytest.mark.parametrize("typed", ["²", "١"])
def test_digits_of_other_scripts_are_not_a_chapter_count(user_client, typed):
    response = user_client.post("/works/new", work_post_data(expected_chapters=typed,
                                                             post_button="Post"))
    assert response.status_code == 200
    assert "Please give a number" in soup(response).select_one("#id_expected_chapters_field").text


def test_a_chapter_count_past_its_column_is_refused_on_a_new_chapter(user_client, user):
    work = WorkFactory(creator=user)
    response = user_client.post(f"/works/{work.pk}/chapters/new", {
        "content": TEXT, "content_format": "html", "expected_chapters": "3" * 30,
        "post_button": "Post"})
    assert response.status_code == 200
    assert "at most 2,147,483,647" in response.content.decode()
    assert work.chapters.count() == 1


@pytest.mark.parametrize("typed", ["²", "9" * 5000])
def test_chapter_positions_that_are_no_number_are_shown_and_kept(user_client, user, typed):
    work = WorkFactory(creator=user, chapters=2)
    one, two = work.chapters.order_by("position")
    response = user_client.post(f"/works/{work.pk}/chapters/manage", {
        f"position_{one.pk}": typed, f"position_{two.pk}": "1"})
    assert response.status_code == 400
    assert "whole number" in soup(response).select_one(".flash.error").text
