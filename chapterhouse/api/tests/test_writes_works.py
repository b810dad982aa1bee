"""Posting and editing works and chapters through the API: the posting
services' rules, and the work as readers then find it on the site."""

import time

import pytest
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.works.models import ChapterRevision, Work, WorkRevision
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def bearer(user, scopes=("read", "write")) -> dict:
    _, key = token_create(user=user, name="Drafting app", scopes=list(scopes))
    return {"Authorization": f"Bearer {key}"}


def call(method, path, user=None, json=None, *, headers=None):
    client = Client()
    headers = headers if headers is not None else (bearer(user) if user else {})
    if json is None:
        return getattr(client, method)(f"/api/v1{path}", headers=headers)
    return getattr(client, method)(f"/api/v1{path}", json, content_type="application/json",
                                   headers=headers)


NEW_WORK = {
    "title": "Lanterns Over Harrowgate",
    "summary": "Two ferry pilots and one *very* long night.",
    "text_format": "markdown",
    "rating": "General Audiences",
    "warnings": ["No Archive Warnings Apply"],
    "categories": [22],
    "fandoms": ["Harrowgate Ferries"],
    "characters": ["Ines Varga", "Tobiah Lund"],
    "additional_tags": ["Fluff", "Night Crossings"],
    "chapter_title": "The Last Boat",
    "text": "The river was black glass.\n\nInes counted the lanterns twice.",
    "post": True,
}


def test_posted_work_appears_on_its_page_with_its_tags(user):
    answer = call("post", "/works", user, NEW_WORK)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["title"] == "Lanterns Over Harrowgate" and body["posted"] is True
    assert [t["name"] for t in body["fandoms"]] == ["Harrowgate Ferries"]
    assert "<em>very</em>" in body["summary"]
    page = Client().get(f"/works/{body['id']}").content.decode()
    assert "Lanterns Over Harrowgate" in page
    assert "Ines counted the lanterns twice." in page
    assert "Night Crossings" in page and "F/M" in page


def test_new_work_without_post_is_a_draft_hidden_from_others(user, other_user):
    answer = call("post", "/works", user, {**NEW_WORK, "post": False})
    assert answer.status_code == 201
    work_id = answer.json()["id"]
    assert answer.json()["posted"] is False
    assert Client().get(f"/works/{work_id}").status_code == 404
    assert call("get", f"/works/{work_id}", other_user).status_code == 404
    assert call("patch", f"/works/{work_id}", other_user, {"title": "Mine"}).status_code == 404
    assert call("delete", f"/works/{work_id}", other_user).status_code == 404
    assert call("post", f"/works/{work_id}/post", other_user).status_code == 404


def test_posting_a_draft_makes_it_public(user):
    work_id = call("post", "/works", user, {**NEW_WORK, "post": False}).json()["id"]
    answer = call("post", f"/works/{work_id}/post", user)
    assert answer.status_code == 200 and answer.json()["posted"] is True
    assert Client().get(f"/works/{work_id}").status_code == 200


def test_missing_fields_come_back_by_their_api_names(user):
    answer = call("post", "/works", user, {"title": " ", "text": "", "post": True,
                                            "additional_tags": ["Fine"]})
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {"title", "rating", "warnings", "fandoms", "text"} <= set(errors)
    assert errors["title"] == ["Please give your work a title."]
    assert answer.json()["detail"]
    assert not Work.objects.exists()


def test_unknown_rating_name_is_refused_with_the_choices(user):
    answer = call("post", "/works", user, {**NEW_WORK, "rating": "Spicy"})
    assert answer.status_code == 422
    assert "General Audiences" in answer.json()["errors"]["rating"][0]


def test_ratings_and_warnings_may_be_given_by_ao3_id(user):
    answer = call("post", "/works", user,
                  {**NEW_WORK, "rating": GENERAL, "warnings": [str(NO_WARNINGS_APPLY)]})
    assert answer.status_code == 201
    assert [t["name"] for t in answer.json()["rating"]] == ["General Audiences"]


def test_patch_changes_only_the_given_fields_and_keeps_a_revision(user):
    body = call("post", "/works", user, NEW_WORK).json()
    answer = call("patch", f"/works/{body['id']}", user,
                  {"title": "Lanterns Over Harrowgate (revised)",
                   "text": "The river was black glass, and cold."})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["title"] == "Lanterns Over Harrowgate (revised)"
    assert [t["name"] for t in answer.json()["characters"]] == ["Ines Varga", "Tobiah Lund"]
    assert "<em>very</em>" in answer.json()["summary"]
    assert WorkRevision.objects.filter(work_id=body["id"],
                                       title="Lanterns Over Harrowgate").exists()
    assert ChapterRevision.objects.filter(
        chapter__work_id=body["id"], content__contains="Ines counted").exists()
    page = Client().get(f"/works/{body['id']}").content.decode()
    assert "black glass, and cold." in page
    history = Client()
    history.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert history.get(f"/works/{body['id']}/history").status_code == 200


def test_patch_keeps_the_text_format_it_was_written_in(user):
    body = call("post", "/works", user, NEW_WORK).json()
    call("patch", f"/works/{body['id']}", user, {"summary": "Now with **bold** words."})
    summary = Work.objects.get(pk=body["id"]).summary
    assert "<strong>bold</strong>" in summary


def test_patch_validation_errors_name_the_field(user):
    body = call("post", "/works", user, NEW_WORK).json()
    answer = call("patch", f"/works/{body['id']}", user, {"fandoms": []})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"fandoms": ["Please add at least one fandom."]}


def test_another_users_token_cannot_edit_or_delete_my_posted_work(creator, work, reader):
    answer = call("patch", f"/works/{work.pk}", reader, {"title": "Stolen"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Only the work's creators may change it."
    assert call("delete", f"/works/{work.pk}", reader).status_code == 403
    assert Work.objects.get(pk=work.pk).title == "The Salt Road"


def test_creator_deletes_her_work(creator, work):
    assert call("delete", f"/works/{work.pk}", creator).status_code == 204
    assert Client().get(f"/works/{work.pk}").status_code == 404


def test_new_chapter_is_posted_and_readable(creator, work):
    answer = call("post", f"/works/{work.pk}/chapters", creator,
                  {"title": "Low Tide", "text": "The water went out and kept going.",
                   "text_format": "plain", "post": True})
    assert answer.status_code == 201, answer.json()
    chapter = answer.json()
    assert chapter["position"] == 2 and chapter["posted"] is True
    page = Client().get(f"/works/{work.pk}/chapters/{chapter['id']}").content.decode()
    assert "The water went out and kept going." in page


def test_draft_chapter_stays_hidden_until_posted_by_patch(creator, work):
    chapter = call("post", f"/works/{work.pk}/chapters", creator,
                   {"title": "Later", "text": "Not yet, said the tide."}).json()
    assert chapter["posted"] is False
    assert Client().get(f"/api/v1/chapters/{chapter['id']}").status_code == 404
    posted = call("patch", f"/chapters/{chapter['id']}", creator, {"post": True})
    assert posted.status_code == 200 and posted.json()["posted"] is True
    assert Client().get(f"/api/v1/chapters/{chapter['id']}").status_code == 200


def test_chapter_edit_keeps_a_revision_and_others_cannot_edit(creator, work, reader):
    chapter = work.chapters.get()
    assert call("patch", f"/chapters/{chapter.pk}", reader,
                {"text": "Vandal"}).status_code == 403
    answer = call("patch", f"/chapters/{chapter.pk}", creator,
                  {"text": "<p>Rain, and then the lamp.</p>"})
    assert answer.status_code == 200
    assert ChapterRevision.objects.filter(chapter=chapter).count() == 1
    assert "Rain, and then the lamp." in Client().get(f"/works/{work.pk}").content.decode()


def test_empty_chapter_cannot_be_posted(creator, work):
    answer = call("post", f"/works/{work.pk}/chapters", creator, {"text": "", "post": True})
    assert answer.status_code == 422
    assert "text" in answer.json()["errors"]


def test_draft_chapters_of_others_are_not_found(creator, reader):
    work = WorkFactory(creator=creator, posted=False)
    chapter = work.chapters.get()
    assert call("patch", f"/chapters/{chapter.pk}", reader, {"title": "x"}).status_code == 404
    assert call("post", f"/works/{work.pk}/chapters", reader,
                {"text": "x"}).status_code == 404


def test_anonymous_work_posted_through_the_api_names_no_one(user):
    body = call("post", "/works", user, {**NEW_WORK, "anonymous": True}).json()
    stranger = UserFactory()
    seen = call("get", f"/works/{body['id']}", stranger).json()
    assert seen["creators"] == [{"name": "Anonymous", "username": None, "url": None}]


def test_deeply_nested_text_is_refused_quickly_with_the_limit(user):
    call("get", "/works", user)  # load what a first request loads
    started = time.process_time()
    answer = call("post", "/works", user,
                  {**NEW_WORK, "text_format": "html", "text": "<div>" * 100_000})
    assert time.process_time() - started < 1
    assert answer.status_code == 422
    assert "at most 100 levels" in " ".join(answer.json()["errors"]["text"])
    assert not Work.objects.exists()

# Input the archive cannot keep -------------------------------------------------------


def raw(method, path, user, body: str):
    client = Client(raise_request_exception=False)
    return getattr(client, method)(f"/api/v1{path}", body, content_type="application/json",
                                   headers=bearer(user))


@pytest.mark.parametrize("number", [2**31, 99999999999999999999])
def test_an_expected_chapter_count_past_its_column_is_refused(creator, work, number):
    answer = call("post", "/works", creator, {**NEW_WORK, "expected_chapters": number})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "body.payload.expected_chapters": ["Input should be less than or equal to 2147483647"]
    }
    for method, path in (("post", f"/works/{work.pk}/chapters"), ("patch", f"/works/{work.pk}")):
        answer = call(method, path, creator, {"text": "Enough words here.",
                                              "expected_chapters": number})
        assert answer.status_code == 422
    assert Work.objects.get(pk=work.pk).expected_chapters == 1


def test_a_schedule_without_a_time_zone_is_refused_by_name(creator, work):
    answer = call("post", f"/works/{work.pk}/chapters", creator,
                  {"text": "The tide came back.", "scheduled_for": "2030-01-01T10:00:00"})
    assert answer.status_code == 422
    assert answer.json()["errors"]["body.payload.scheduled_for"] == [
        "Please give the time with its time zone, such as 2030-05-01T18:00:00Z or "
        "2030-05-01T20:00:00+02:00."
    ]
    answer = call("post", f"/works/{work.pk}/chapters", creator,
                  {"text": "The tide came back.", "scheduled_for": "2030-01-01T10:00:00Z"})
    assert answer.status_code == 201 and answer.json()["posted"] is False


def test_a_schedule_centuries_ahead_is_refused(creator, work):
    answer = call("post", f"/works/{work.pk}/chapters", creator,
                  {"text": "The tide came back.", "scheduled_for": "9999-12-31T23:59:59-12:00"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "scheduled_for": ["Please choose a time within the next 100 years."]
    }


@pytest.mark.parametrize(("body", "field", "words"), [
    ('{"title": "Storm\\ud800", "text": "Rain on the glass, again."}', "body.title",
     "lone surrogate"),
    ('{"title": "Storm", "fandoms": ["Harbour", "\\udfff"]}', "body.fandoms.1",
     "lone surrogate"),
    ('{"title": "Storm\\u0000", "text": "Rain on the glass, again."}', "body.title",
     "NUL character"),
    ('{"title": "Storm", "text": "Rain\\u0000 on the glass"}', "body.text", "NUL character"),
])
def test_text_the_archive_cannot_keep_is_refused_by_field(creator, body, field, words):
    answer = raw("post", "/works", creator, body)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert list(errors) == [field] and words in errors[field][0]
    assert not Work.objects.filter(title__startswith="Storm").exists()


def test_a_nul_in_a_chapter_or_comment_is_refused(creator, work):
    for path in (f"/works/{work.pk}/chapters", f"/works/{work.pk}/comments"):
        answer = raw("post", path, creator, '{"text": "Low\\u0000 tide", "content": "x\\u0000"}')
        assert answer.status_code == 422
