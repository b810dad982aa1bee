"""A suspended or banned user meets the refusal at every write door (the work
form, a new chapter, a comment, kudos, a bookmark, the API), keeps what she
typed, and can still read. A suspension ends by itself."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.api.services import token_create
from chapterhouse.moderation.models import Sanction, SanctionKind
from chapterhouse.moderation.services import sanctions
from chapterhouse.responses.models import Bookmark, Comment, Kudos
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

UNTIL = datetime.datetime(2030, 11, 28, 14, 0, tzinfo=datetime.UTC)
SUSPENDED = ("Your account is suspended until 28 Nov 2030 14:00 UTC: "
             "Repeated insults in comments. You can still read.")
BANNED = "Your account has been banned: Posting other people's stories as her own."
TYPED = "The tide came in twice that night, and nobody on the pier believed it."


def suspend(user, *, until=UNTIL):
    return Sanction.objects.create(user=user, kind=SanctionKind.SUSPENSION, until=until,
                                   reason="Repeated insults in comments.")


def ban(user):
    return Sanction.objects.create(user=user, kind=SanctionKind.BAN,
                                   reason="Posting other people's stories as her own.")


@pytest.fixture(params=["suspended", "banned"])
def sanctioned(request):
    """(sanction the user, the sentence she reads)."""
    if request.param == "suspended":
        return suspend, SUSPENDED
    return ban, BANNED


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def text_of(response) -> str:
    return " ".join(soup(response).get_text().split())


def work_form(**changes):
    data = {
        "title": "Pier Lights", "rating": str(GENERAL),
        "warnings": [str(NO_WARNINGS_APPLY)], "fandoms": "Tidewatch",
        "language": "en", "comment_permission": "everyone", "content": TYPED,
        "content_format": "html", "summary_format": "html", "notes_format": "html",
        "endnotes_format": "html", "expected_chapters": "?", "post_button": "Post",
    }
    data.update(changes)
    return data


def test_work_form_shows_the_refusal_and_keeps_the_typed_text(creator, creator_client,
                                                              sanctioned):
    sanction, sentence = sanctioned
    sanction(creator)
    before = Work.objects.count()
    response = creator_client.post("/works/new", work_form())
    assert response.status_code in (200, 422)
    page = soup(response)
    assert sentence in " ".join(page.select_one("div#error.flash.error").get_text().split())
    assert page.select_one("#id_title")["value"] == "Pier Lights"
    assert TYPED in page.select_one("#id_content").text
    assert Work.objects.count() == before


def test_new_chapter_is_refused(creator, creator_client, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(creator)
    response = creator_client.post(f"/works/{work.pk}/chapters/new", {
        "title": "Second Tide", "content": TYPED, "content_format": "html",
        "expected_chapters": "2", "post_button": "Post"})
    assert sentence in text_of(response)
    assert TYPED in soup(response).select_one("#id_content").text
    assert work.chapters.count() == 1


def test_comment_is_refused(reader, reader_client, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(reader)
    response = reader_client.post(f"/works/{work.pk}/comments",
                                  {"comment[comment_content]": "Such a storm!"}, follow=True)
    assert sentence in text_of(response)
    assert not Comment.objects.exists()


def test_kudos_js_answers_422_with_the_sentence(reader, reader_client, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(reader)
    response = reader_client.post("/kudos.js", {"kudo[commentable_id]": str(work.pk),
                                                "kudo[commentable_type]": "Work"})
    assert response.status_code == 422
    assert sentence in response.content.decode()
    assert not Kudos.objects.exists()


def test_kudos_button_says_why(reader, reader_client, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(reader)
    response = reader_client.post("/kudos", {"kudo[commentable_id]": str(work.pk),
                                             "kudo[commentable_type]": "Work"}, follow=True)
    assert sentence in text_of(response)


def test_bookmark_is_refused(reader, reader_client, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(reader)
    response = reader_client.post(f"/works/{work.pk}/bookmarks", {
        "bookmark[pseud_id]": str(reader.pseuds.get(is_default=True).pk),
        "bookmark[bookmarker_notes]": "Reread every winter.",
        "bookmark[tag_string]": "", "bookmark[private]": "0", "bookmark[rec]": "0"})
    assert sentence in text_of(response)
    assert "Reread every winter." in response.content.decode()
    assert not Bookmark.objects.exists()


def api(user, path, json):
    _, key = token_create(user=user, name="Reader app", scopes=["read", "write"])
    return Client().post(f"/api/v1{path}", json, content_type="application/json",
                         headers={"Authorization": f"Bearer {key}"})


def test_api_writes_answer_422_with_the_sentence(reader, work, sanctioned):
    sanction, sentence = sanctioned
    sanction(reader)
    for path, json in [
        (f"/works/{work.pk}/kudos", None),
        (f"/works/{work.pk}/bookmarks", {"notes": "Lovely."}),
        (f"/works/{work.pk}/comments", {"content": "Lovely."}),
    ]:
        answer = api(reader, path, json or {})
        assert answer.status_code == 422, (path, answer.content)
        assert answer.json()["detail"] == sentence, path
    assert not Kudos.objects.exists() and not Bookmark.objects.exists()
    assert not Comment.objects.exists()


def test_api_new_work_answers_422(creator, sanctioned):
    sanction, sentence = sanctioned
    sanction(creator)
    answer = api(creator, "/works", {
        "title": "Harbour Bells", "rating": "General Audiences",
        "warnings": ["No Archive Warnings Apply"], "fandoms": ["Tidewatch"],
        "text": TYPED, "post": True,
    })
    assert answer.status_code == 422
    assert answer.json()["detail"] == sentence


def test_reading_still_works_while_suspended(reader, reader_client, work):
    suspend(reader)
    page = reader_client.get(f"/works/{work.pk}")
    assert page.status_code == 200
    assert "The Salt Road" in text_of(page)
    assert reader_client.get("/works").status_code == 200


def test_suspension_ends_by_itself(reader, reader_client, work):
    suspend(reader, until=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1))
    response = reader_client.post("/kudos.js", {"kudo[commentable_id]": str(work.pk),
                                                "kudo[commentable_type]": "Work"})
    assert response.status_code == 201
    page = reader_client.get(f"/works/{work.pk}")
    assert soup(page).select_one("#sanction-notice") is None


def test_lifted_ban_lets_her_write_again(reader, reader_client, work, make_admin):
    ban(reader)
    sanctions.user_unsuspend(actor=make_admin("lifter", "policy_abuse"), user=reader,
                             reason="Appeal accepted.")
    response = reader_client.post(f"/works/{work.pk}/comments",
                                  {"comment[comment_content]": "Back again."})
    assert response.status_code == 302
    assert Comment.objects.get().user == reader


def test_a_warning_does_not_stop_writing(reader, reader_client, work):
    Sanction.objects.create(user=reader, kind=SanctionKind.WARNING, reason="Be kinder.")
    other = WorkFactory(title="Other Shore")
    response = reader_client.post("/kudos.js", {"kudo[commentable_id]": str(other.pk),
                                                "kudo[commentable_type]": "Work"})
    assert response.status_code == 201
