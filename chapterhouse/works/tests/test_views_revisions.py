"""The history pages over HTTP: who may open them, what they show, restoring."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.works.models import ChapterRevision
from chapterhouse.works.services import revisions

from .factories import WorkFactory


@pytest.fixture
def work(user):
    return WorkFactory(creator=user)


@pytest.fixture
def revision(work, user):
    chapter = work.chapters.get()
    kept = revisions.chapter_revision_record(chapter=chapter, editor=user, reason="edit")
    chapter.content = "<p>Chapter 1 begins with snow against the <b>glass</b>.</p>"
    chapter.save()
    return kept


def _urls(work, revision):
    base = f"/works/{work.pk}"
    return [
        f"{base}/history",
        f"{base}/chapters/{revision.chapter_id}/revisions/{revision.pk}",
    ]


def test_guests_are_sent_to_log_in(client, work, revision):
    for url in _urls(work, revision):
        response = client.get(url)
        assert response.status_code == 302
        assert "/users/login" in response["Location"]


def test_other_readers_get_403(client, work, revision, other_user):
    client.force_login(other_user)
    for url in _urls(work, revision):
        assert client.get(url).status_code == 403
    restore = f"{_urls(work, revision)[1]}/restore"
    assert client.post(restore).status_code == 403


def test_creator_sees_the_history(user_client, work, revision, user):
    page = user_client.get(f"/works/{work.pk}/history")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert "works-history region" in " ".join(soup.select_one("#main")["class"])
    row = soup.select_one(f"#revision_{revision.pk}")
    assert row.select_one(".reason").text == "Edited"
    assert user.username in row.text
    assert row.select_one(".words").text == str(revision.word_count)


def test_creator_sees_a_word_diff(user_client, work, revision):
    page = user_client.get(_urls(work, revision)[1])
    soup = BeautifulSoup(page.content, "html.parser")
    changed = soup.select_one(".diff p.changed")
    assert changed.select_one("del").text == "rain"
    assert changed.select_one("ins").text == "snow"
    assert changed.select_one("b") is None  # only visible text, escaped


def test_restore_over_http(user_client, work, revision):
    response = user_client.post(f"{_urls(work, revision)[1]}/restore")
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}/history"
    chapter = work.chapters.get()
    assert "rain" in chapter.content
    assert ChapterRevision.objects.filter(chapter=chapter, reason="restore").exists()


def test_restore_needs_post(user_client, work, revision):
    assert user_client.get(f"{_urls(work, revision)[1]}/restore").status_code == 405


def test_work_revision_page_and_restore(user_client, work, user):
    kept = revisions.work_revision_record(work=work, editor=user)
    old = work.title
    work.title = "Renamed"
    work.save()
    page = user_client.get(f"/works/{work.pk}/revisions/{kept.pk}")
    soup = BeautifulSoup(page.content, "html.parser")
    assert soup.select_one(".diff p.changed del").text == old
    user_client.post(f"/works/{work.pk}/revisions/{kept.pk}/restore")
    work.refresh_from_db()
    assert work.title == old


def test_a_revision_of_another_work_is_not_found(user_client, work, user, revision):
    other = WorkFactory(creator=user)
    url = f"/works/{other.pk}/chapters/{revision.chapter_id}/revisions/{revision.pk}"
    assert user_client.get(url).status_code == 404
