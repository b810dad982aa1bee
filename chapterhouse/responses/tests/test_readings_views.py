"""History, Marked for Later and reading progress over HTTP."""

import json

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Reading
from chapterhouse.responses.services.readings import reading_progress_save
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


# The history page ---------------------------------------------------------------------------


def test_history_lists_visited_works_newest_first(reader_client, reader, creator, work):
    later = WorkFactory(creator=creator, title="Lanterns at Low Tide")
    reader_client.get(f"/works/{work.pk}")
    reader_client.get(f"/works/{work.pk}")
    reader_client.get(f"/works/{later.pk}")
    page = soup(reader_client.get(f"/users/{reader.username}/readings"))
    assert page.select_one("div#main.readings-index")
    blurbs = page.select("ol.reading.work.index li.work.blurb")
    assert [b["id"] for b in blurbs] == [f"work_{later.pk}", f"work_{work.pk}"]
    # As on AO3, the reader's part sits inside the work's list item.
    entry = page.select_one(
        f"li#work_{work.pk}[role=article] div.user.module#reading_"
        f"{Reading.objects.get(work=work).pk}"
    )
    assert "Last visited:" in entry.get_text()
    assert "(Visited 2 times)" in entry.get_text()
    assert page.select_one("a[href$='/preferences']")


def test_history_is_for_its_owner_only(client, logged_in, reader):
    assert client.get(f"/users/{reader.username}/readings").status_code == 302
    assert logged_in(UserFactory()).get(f"/users/{reader.username}/readings").status_code == 403


def test_history_hides_works_gone_from_view(reader_client, reader, work):
    reader_client.get(f"/works/{work.pk}")
    work.hidden_by_admin = True
    work.save()
    body = reader_client.get(f"/users/{reader.username}/readings").content.decode()
    assert work.title not in body


def test_history_page_costs_the_same_for_many_works(
    reader_client, reader, creator, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = WorkFactory(creator=creator, chapters=2)
    reading_progress_save(user=reader, work=first, chapter_id=first.chapters.last().pk,
                          position=0.5)
    with CaptureQueriesContext(connection) as one:
        reader_client.get(f"/users/{reader.username}/readings")
    for _ in range(12):
        work = WorkFactory(creator=creator, chapters=2)
        reading_progress_save(user=reader, work=work, chapter_id=work.chapters.last().pk,
                              position=0.5)
    with django_assert_max_num_queries(len(one)):
        page = soup(reader_client.get(f"/users/{reader.username}/readings"))
    assert len(page.select("li.work.blurb")) == 13
    assert len(page.select("p.continue a")) == 13


def test_continue_reading_link_on_the_history_page(reader_client, reader, creator):
    work = WorkFactory(creator=creator, chapters=3)
    chapter = work.chapters.get(position=3)
    reading_progress_save(user=reader, work=work, chapter_id=chapter.pk, position=0.4)
    link = soup(reader_client.get(f"/users/{reader.username}/readings")).select_one(
        "p.continue a"
    )
    assert link["href"] == f"/works/{work.pk}/chapters/{chapter.pk}#progress=0.40"
    assert link.get_text() == "Chapter 3, about 40% in"


def test_delete_one_entry_and_clear_history(reader_client, reader, creator, work):
    other = WorkFactory(creator=creator)
    reader_client.get(f"/works/{work.pk}")
    reader_client.get(f"/works/{other.pk}")
    reading = Reading.objects.get(work=work)
    response = reader_client.post(f"/users/{reader.username}/readings/{reading.pk}",
                                  {"_method": "delete"})
    assert response.status_code == 302
    assert list(Reading.objects.values_list("work_id", flat=True)) == [other.pk]
    assert reader_client.post(f"/users/{reader.username}/readings/clear").status_code == 302
    assert not Reading.objects.exists()


def test_nobody_deletes_anothers_history(logged_in, reader, work):
    reading = Reading.objects.create(user=reader, work=work, visit_count=1)
    intruder = UserFactory()
    client = logged_in(intruder)
    assert client.post(f"/users/{intruder.username}/readings/{reading.pk}").status_code == 404
    assert client.post(f"/users/{reader.username}/readings/{reading.pk}").status_code == 403
    assert client.post(f"/users/{reader.username}/readings/clear").status_code == 403
    assert Reading.objects.filter(pk=reading.pk).exists()


def test_creator_visits_do_not_appear_in_history(creator_client, creator, work):
    creator_client.get(f"/works/{work.pk}")
    assert not Reading.objects.exists()


def test_history_off_keeps_no_visits_and_says_so(reader_client, reader, work):
    reader.preference.history_enabled = False
    reader.preference.save()
    reader_client.get(f"/works/{work.pk}")
    assert not Reading.objects.exists()
    page = soup(reader_client.get(f"/users/{reader.username}/readings"))
    assert "history is off" in page.select_one("p.history-switch").get_text()


# Marked for Later ---------------------------------------------------------------------------


def test_mark_for_later_from_the_work_page(reader_client, reader, work):
    page = soup(reader_client.get(f"/works/{work.pk}"))
    form = page.select_one("ul.work.navigation.actions li.mark form")
    assert form["action"] == f"/works/{work.pk}/mark_for_later"
    assert form.select_one("input[type=submit]")["value"] == "Mark for Later"
    assert reader_client.post(form["action"]).status_code == 302
    assert Reading.objects.get(user=reader, work=work).to_read

    page = soup(reader_client.get(f"/works/{work.pk}"))
    form = page.select_one("li.mark form#mark_as_read")
    assert "mark_as_read" in form["class"]
    assert form["action"] == f"/works/{work.pk}/mark_as_read"
    assert form.select_one("input[type=submit]")["value"] == "Mark as Read"


def test_marked_for_later_filter(reader_client, reader, creator, work):
    other = WorkFactory(creator=creator, title="Lanterns at Low Tide")
    reader_client.get(f"/works/{other.pk}")
    reader_client.post(f"/works/{work.pk}/mark_for_later")
    page = soup(reader_client.get(f"/users/{reader.username}/readings?show=to-read"))
    assert [b["id"] for b in page.select("li.work.blurb")] == [f"work_{work.pk}"]
    assert "(Marked for Later.)" in page.get_text()
    reader_client.post(f"/works/{work.pk}/mark_as_read")
    page = soup(reader_client.get(f"/users/{reader.username}/readings?show=to-read"))
    assert not page.select("li.work.blurb")


def test_mark_for_later_needs_a_visible_work_and_a_login(client, reader_client, creator):
    draft = WorkFactory(creator=creator, posted=False)
    assert reader_client.post(f"/works/{draft.pk}/mark_for_later").status_code == 404
    assert client.post(f"/works/{draft.pk}/mark_for_later").status_code == 302
    assert reader_client.get(f"/works/{draft.pk}/mark_for_later").status_code == 405
    assert not Reading.objects.exists()


def test_guests_and_creators_see_no_mark_button(client, creator_client, work):
    assert not soup(client.get(f"/works/{work.pk}")).select("li.mark")
    assert not soup(creator_client.get(f"/works/{work.pk}")).select("li.mark")


# Reading progress ---------------------------------------------------------------------------


def post_progress(client, work, **data):
    return client.post(f"/works/{work.pk}/progress", json.dumps(data),
                       content_type="application/json")


def test_progress_endpoint_saves_json_and_form_posts(reader_client, reader, creator):
    work = WorkFactory(creator=creator, chapters=2)
    chapter = work.chapters.get(position=2)
    response = post_progress(reader_client, work, chapter_id=chapter.pk, position=0.25)
    assert response.status_code == 200 and response.json() == {"saved": True}
    assert Reading.objects.get().position == 0.25
    # navigator.sendBeacon sends a form.
    response = reader_client.post(f"/works/{work.pk}/progress",
                                  {"chapter_id": chapter.pk, "position": "0.5"})
    assert response.status_code == 200
    assert Reading.objects.get().position == 0.5


@pytest.mark.parametrize("position", [-1, 2, "far", None])
def test_progress_endpoint_refuses_a_bad_position(reader_client, work, position):
    chapter = work.chapters.get()
    response = post_progress(reader_client, work, chapter_id=chapter.pk, position=position)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Reading.objects.exists()


def test_progress_endpoint_refuses_another_works_chapter(reader_client, creator, work):
    other = WorkFactory(creator=creator)
    response = post_progress(reader_client, work, chapter_id=other.chapters.get().pk,
                             position=0.5)
    assert response.status_code == 400


def test_progress_endpoint_hides_invisible_works_and_refuses_guests(client, reader_client,
                                                                    creator, work):
    draft = WorkFactory(creator=creator, posted=False)
    response = post_progress(reader_client, draft, chapter_id=draft.chapters.get().pk,
                             position=0.5)
    assert response.status_code == 404
    response = post_progress(client, work, chapter_id=work.chapters.get().pk, position=0.5)
    assert response.status_code == 403
    assert not Reading.objects.exists()


def test_progress_endpoint_keeps_nothing_with_history_off(reader_client, reader, work):
    reader.preference.history_enabled = False
    reader.preference.save()
    response = post_progress(reader_client, work, chapter_id=work.chapters.get().pk,
                             position=0.5)
    assert response.json() == {"saved": False}
    assert not Reading.objects.exists()


def test_opening_the_work_offers_to_continue(reader_client, reader, creator):
    work = WorkFactory(creator=creator, chapters=3)
    chapters = list(work.chapters.order_by("position"))
    reading_progress_save(user=reader, work=work, chapter_id=chapters[2].pk, position=0.4)
    page = soup(reader_client.get(f"/works/{work.pk}/chapters/{chapters[0].pk}"))
    notice = page.select_one("div#reading_progress_notice")
    assert notice.get_text(" ", strip=True) == (
        "Continue where you left off: Chapter 3, about 40% in"
    )
    assert notice.select_one("a")["href"] == (
        f"/works/{work.pk}/chapters/{chapters[2].pk}#progress=0.40"
    )
    # The entire work offers it too; the chapter she reached, and chapter 2, do not.
    entire = soup(reader_client.get(f"/works/{work.pk}?view_full_work=true"))
    assert entire.select_one("div#reading_progress_notice")
    for chapter in chapters[1:]:
        page = soup(reader_client.get(f"/works/{work.pk}/chapters/{chapter.pk}"))
        assert not page.select("div#reading_progress_notice")


def test_one_shot_offers_to_continue_partway(reader_client, reader, work):
    reading_progress_save(user=reader, work=work, chapter_id=work.chapters.get().pk,
                          position=0.62)
    notice = soup(reader_client.get(f"/works/{work.pk}")).select_one(
        "div#reading_progress_notice"
    )
    assert "about 62% in" in notice.get_text()


def test_no_notice_when_progress_is_at_the_start(reader_client, reader, work):
    reader_client.get(f"/works/{work.pk}")
    assert not soup(reader_client.get(f"/works/{work.pk}")).select(
        "div#reading_progress_notice"
    )


def test_the_script_is_loaded_for_readers_and_guests_not_creators(client, reader_client,
                                                                   creator_client, work):
    script = soup(reader_client.get(f"/works/{work.pk}")).select_one(
        "script[src$='responses/progress.js']"
    )
    assert script["data-progress-url"] == f"/works/{work.pk}/progress"
    assert script["data-chapter-id"] == str(work.chapters.get().pk)
    guest = soup(client.get(f"/works/{work.pk}")).select_one(
        "script[src$='responses/progress.js']"
    )
    assert guest["data-progress-url"] == ""  # a guest's place stays in her browser
    assert not soup(creator_client.get(f"/works/{work.pk}")).select(
        "script[src$='responses/progress.js']"
    )
