"""Kudos and comments through the API: the same rules as the work page, and
what a reader sees on the site afterwards."""

import pytest
from django.test import Client

from chapterhouse.accounts.services import block_create
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services import comments as comment_services
from chapterhouse.responses.services import kudos as kudos_services
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def bearer(user, scopes=("read", "write")) -> dict:
    _, key = token_create(user=user, name="My reader app", scopes=list(scopes))
    return {"Authorization": f"Bearer {key}"}


def post(path, user=None, json=None, *, headers=None, method="post"):
    client = Client()
    headers = headers if headers is not None else (bearer(user) if user else {})
    call = getattr(client, method)
    if json is None:
        return call(f"/api/v1{path}", headers=headers)
    return call(f"/api/v1{path}", json, content_type="application/json", headers=headers)


# Kudos ---------------------------------------------------------------------------------


def test_kudos_through_the_api_show_on_the_work_page(work, reader):
    answer = post(f"/works/{work.pk}/kudos", reader)
    assert answer.status_code == 201
    assert answer.json() == {"work_id": work.pk, "kudos_count": 1, "users": 1, "guests": 0}
    page = Client().get(f"/works/{work.pk}")
    assert "ashby_reader" in page.content.decode()


def test_second_kudos_is_refused_with_the_sites_sentence(work, reader):
    headers = bearer(reader)
    assert post(f"/works/{work.pk}/kudos", headers=headers).status_code == 201
    again = post(f"/works/{work.pk}/kudos", headers=headers)
    assert again.status_code == 422
    assert again.json()["detail"] == kudos_services.MESSAGES["again"]


def test_creator_cannot_kudos_her_own_work(work, creator):
    answer = post(f"/works/{work.pk}/kudos", creator)
    assert answer.status_code == 422
    assert answer.json()["detail"] == kudos_services.MESSAGES["own"]


def test_blocked_reader_cannot_kudos(work, creator, reader):
    block_create(blocker=creator, blocked=reader)
    answer = post(f"/works/{work.pk}/kudos", reader)
    assert answer.status_code == 422
    assert answer.json()["detail"] == kudos_services.MESSAGES["refused"]


def test_kudos_on_someone_elses_draft_is_not_found(creator, reader):
    draft = WorkFactory(creator=creator, posted=False)
    answer = post(f"/works/{draft.pk}/kudos", reader)
    assert answer.status_code == 404
    assert "couldn't find" in answer.json()["detail"]


def test_kudos_rate_limit_answers_429_with_retry_after(work, reader, monkeypatch):
    monkeypatch.setattr(kudos_services, "RATE_LIMIT", 1)
    headers = bearer(reader)
    assert post(f"/works/{work.pk}/kudos", headers=headers).status_code == 201
    other = WorkFactory()
    answer = post(f"/works/{other.pk}/kudos", headers=headers)
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) >= 1
    assert "a lot of kudos" in answer.json()["detail"]


# Comments ------------------------------------------------------------------------------


def test_posted_comment_shows_on_the_work_page_and_in_the_api_listing(work, reader):
    answer = post(f"/works/{work.pk}/comments", reader, {"content": "The lamp scene!"})
    assert answer.status_code == 201
    body = answer.json()
    assert body["name"] == "ashby_reader" and body["state"] == "shown"
    assert "The lamp scene!" in body["content"]
    page = Client().get(f"/works/{work.pk}?show_comments=true")
    assert "The lamp scene!" in page.content.decode()
    listing = Client().get(f"/api/v1/works/{work.pk}/comments").json()
    assert [c["id"] for c in listing["items"]] == [body["id"]]
    assert listing["threads"] == 1


def test_comment_on_a_chapter_and_a_reply_are_listed_with_parent_ids(creator, reader):
    work = WorkFactory(creator=creator, chapters=2)
    second = work.chapters.get(position=2)
    top = post(f"/works/{work.pk}/comments", reader,
               {"content": "Chapter two undid me.", "chapter_id": second.pk}).json()
    assert top["chapter_id"] == second.pk
    reply = post(f"/comments/{top['id']}/replies", creator, {"content": "Thank you!"})
    assert reply.status_code == 201
    items = Client().get(f"/api/v1/works/{work.pk}/comments").json()["items"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in items] == [
        (top["id"], None, 0), (reply.json()["id"], top["id"], 1)
    ]
    assert items[0]["chapter_number"] == 2


def test_comment_on_a_chapter_of_another_work_is_refused_by_field(work, reader):
    elsewhere = WorkFactory().chapters.get()
    answer = post(f"/works/{work.pk}/comments", reader,
                  {"content": "Hello", "chapter_id": elsewhere.pk})
    assert answer.status_code == 422
    assert "chapter_id" in answer.json()["errors"]


def test_empty_comment_is_refused_with_the_sites_message(work, reader):
    answer = post(f"/works/{work.pk}/comments", reader, {"content": "   "})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "Please write something in your comment before posting it."
    )


def test_blocked_reader_cannot_comment(work, creator, reader):
    block_create(blocker=creator, blocked=reader)
    answer = post(f"/works/{work.pk}/comments", reader, {"content": "Let me in"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "Sorry, you can't comment on this work."
    assert not Comment.objects.exists()


def test_comment_rate_limit_answers_429(work, reader, monkeypatch):
    monkeypatch.setattr(comment_services, "USER_RATE", {"count": 1, "window": 600})
    headers = bearer(reader)
    assert post(f"/works/{work.pk}/comments", json={"content": "One"},
                headers=headers).status_code == 201
    answer = post(f"/works/{work.pk}/comments", json={"content": "Two"}, headers=headers)
    assert answer.status_code == 429
    assert int(answer["Retry-After"]) > 0


def test_hidden_comment_is_listed_only_for_its_author_and_the_creator(work, creator, reader):
    made = post(f"/works/{work.pk}/comments", reader, {"content": "Quiet thought"}).json()
    comment_services.comment_hide(comment=Comment.objects.get(pk=made["id"]), viewer=creator)
    assert Client().get(f"/api/v1/works/{work.pk}/comments").json()["items"] == []
    stranger = UserFactory()
    listed = Client().get(f"/api/v1/works/{work.pk}/comments", headers=bearer(stranger))
    assert listed.json()["items"] == []
    mine = Client().get(f"/api/v1/works/{work.pk}/comments", headers=bearer(reader)).json()
    assert [(c["id"], c["state"]) for c in mine["items"]] == [(made["id"], "hidden")]


def test_comments_of_someone_elses_draft_are_not_found(creator, reader):
    draft = WorkFactory(creator=creator, posted=False)
    assert Client().get(f"/api/v1/works/{draft.pk}/comments",
                        headers=bearer(reader)).status_code == 404
    assert post(f"/works/{draft.pk}/comments", reader,
                {"content": "Hi"}).status_code == 404


def test_author_edits_her_comment_and_others_cannot(work, reader, other_user):
    made = post(f"/works/{work.pk}/comments", reader, {"content": "Frist"}).json()
    denied = post(f"/comments/{made['id']}", other_user, {"content": "Mine now"},
                  method="patch")
    assert denied.status_code == 403
    edited = post(f"/comments/{made['id']}", reader, {"content": "First!"}, method="patch")
    assert edited.status_code == 200
    assert "First!" in edited.json()["content"] and edited.json()["edited_at"]
    assert "First!" in Client().get(f"/works/{work.pk}?show_comments=true").content.decode()


def test_delete_comment_by_author_removes_it_from_the_page(work, reader, other_user):
    made = post(f"/works/{work.pk}/comments", reader, {"content": "Gone soon"}).json()
    assert post(f"/comments/{made['id']}", other_user, method="delete").status_code == 403
    assert post(f"/comments/{made['id']}", reader, method="delete").status_code == 204
    assert "Gone soon" not in Client().get(
        f"/works/{work.pk}?show_comments=true").content.decode()
    assert post(f"/comments/{made['id']}", reader, method="delete").status_code == 404


def test_deleted_comment_with_replies_is_listed_without_its_text(work, creator, reader):
    made = post(f"/works/{work.pk}/comments", reader, {"content": "Question?"}).json()
    post(f"/comments/{made['id']}/replies", creator, {"content": "Answer."})
    post(f"/comments/{made['id']}", reader, method="delete")
    items = Client().get(f"/api/v1/works/{work.pk}/comments").json()["items"]
    assert items[0]["state"] == "deleted" and items[0]["content"] == ""
    assert items[0]["name"] == ""
    assert "Answer." in items[1]["content"]


def test_anonymous_creators_reply_does_not_name_her(creator, reader):
    work = WorkFactory(creator=creator, anonymous=True)
    made = post(f"/works/{work.pk}/comments", reader, {"content": "Who wrote this?"}).json()
    reply = post(f"/comments/{made['id']}/replies", creator, {"content": "A secret."}).json()
    assert reply["name"] == "Anonymous Creator" and reply["username"] is None
    items = Client().get(f"/api/v1/works/{work.pk}/comments").json()["items"]
    assert "wren_writer" not in str(items)
