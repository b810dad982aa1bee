"""Bookmarks and subscriptions through the API, as the site then shows them."""

import pytest
from django.test import Client

from chapterhouse.accounts.services import block_create
from chapterhouse.api.services import token_create
from chapterhouse.responses.models import Bookmark, Subscription
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def bearer(user, scopes=("read", "write")) -> dict:
    _, key = token_create(user=user, name="Shelf app", scopes=list(scopes))
    return {"Authorization": f"Bearer {key}"}


def call(method, path, user=None, json=None, *, headers=None):
    client = Client()
    headers = headers if headers is not None else (bearer(user) if user else {})
    if json is None:
        return getattr(client, method)(f"/api/v1{path}", headers=headers)
    return getattr(client, method)(f"/api/v1{path}", json, content_type="application/json",
                                   headers=headers)


# Bookmarks -----------------------------------------------------------------------------


def test_bookmark_appears_on_the_readers_bookmarks_page(work, reader):
    answer = call("post", f"/works/{work.pk}/bookmarks", reader,
                  {"notes": "Reread every winter.", "tags": ["comfort read", "lighthouses"],
                   "rec": True})
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [t["name"] for t in body["tags"]] == ["comfort read", "lighthouses"]
    assert body["rec"] is True and body["work"]["id"] == work.pk
    page = Client().get("/users/ashby_reader/bookmarks").content.decode()
    assert "The Salt Road" in page and "Reread every winter." in page


def test_second_bookmark_of_the_same_work_is_refused(work, reader):
    headers = bearer(reader)
    assert call("post", f"/works/{work.pk}/bookmarks", json={}, headers=headers
                ).status_code == 201
    again = call("post", f"/works/{work.pk}/bookmarks", json={}, headers=headers)
    assert again.status_code == 422
    assert again.json()["detail"] == "You have already bookmarked that."


def test_private_bookmark_is_not_on_the_public_page(work, reader):
    call("post", f"/works/{work.pk}/bookmarks", reader,
         {"notes": "Just for me.", "private": True})
    assert "Just for me." not in Client().get("/users/ashby_reader/bookmarks").content.decode()


def test_bookmark_with_someone_elses_pseud_is_refused_by_field(work, reader, other_user):
    pseud = other_user.pseuds.get()
    answer = call("post", f"/works/{work.pk}/bookmarks", reader, {"pseud_id": pseud.pk})
    assert answer.status_code == 422
    assert "pseud_id" in answer.json()["errors"]


def test_bookmark_of_someone_elses_draft_is_not_found(creator, reader):
    draft = WorkFactory(creator=creator, posted=False)
    assert call("post", f"/works/{draft.pk}/bookmarks", reader, {}).status_code == 404
    assert not Bookmark.objects.exists()


def test_owner_edits_her_bookmark_partially(work, reader):
    made = call("post", f"/works/{work.pk}/bookmarks", reader,
                {"notes": "Good.", "tags": ["storms"]}).json()
    answer = call("patch", f"/bookmarks/{made['id']}", reader, {"notes": "Very good."})
    assert answer.status_code == 200
    assert "Very good." in answer.json()["notes"]
    assert [t["name"] for t in answer.json()["tags"]] == ["storms"]
    assert "Very good." in Client().get("/users/ashby_reader/bookmarks").content.decode()


def test_others_cannot_edit_or_delete_a_bookmark(work, reader, other_user):
    made = call("post", f"/works/{work.pk}/bookmarks", reader, {"notes": "Mine."}).json()
    assert call("patch", f"/bookmarks/{made['id']}", other_user,
                {"notes": "Ours."}).status_code == 403
    assert call("delete", f"/bookmarks/{made['id']}", other_user).status_code == 403
    secret = call("post", f"/works/{WorkFactory().pk}/bookmarks", reader,
                  {"private": True}).json()
    assert call("delete", f"/bookmarks/{secret['id']}", other_user).status_code == 404
    assert Bookmark.objects.count() == 2


def test_owner_deletes_her_bookmark(work, reader):
    made = call("post", f"/works/{work.pk}/bookmarks", reader, {"notes": "Bye."}).json()
    assert call("delete", f"/bookmarks/{made['id']}", reader).status_code == 204
    assert "The Salt Road" not in Client().get("/users/ashby_reader/bookmarks").content.decode()


# Subscriptions -------------------------------------------------------------------------


def test_subscribe_to_a_work_and_see_it_in_my_subscriptions(work, reader):
    headers = bearer(reader)
    answer = call("post", f"/works/{work.pk}/subscription", headers=headers)
    assert answer.status_code == 201
    assert answer.json()["type"] == "work" and answer.json()["title"] == "The Salt Road"
    again = call("post", f"/works/{work.pk}/subscription", headers=headers)
    assert again.status_code == 200 and again.json()["id"] == answer.json()["id"]
    mine = call("get", "/subscriptions", headers=headers).json()
    assert [s["title"] for s in mine["items"]] == ["The Salt Road"]
    page = Client()
    page.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    assert "The Salt Road" in page.get("/users/ashby_reader/subscriptions").content.decode()


def test_unsubscribe_from_a_work(work, reader):
    headers = bearer(reader)
    call("post", f"/works/{work.pk}/subscription", headers=headers)
    assert call("delete", f"/works/{work.pk}/subscription", headers=headers).status_code == 204
    assert not Subscription.objects.exists()
    assert call("delete", f"/works/{work.pk}/subscription", headers=headers).status_code == 404


def test_creator_cannot_subscribe_to_her_own_work(work, creator):
    answer = call("post", f"/works/{work.pk}/subscription", creator)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "You can't subscribe to your own work."


def test_subscribe_to_a_user_by_name_and_a_series_by_id(work, creator, reader):
    headers = bearer(reader)
    user = call("post", "/subscriptions", json={"type": "user", "name": "wren_writer"},
                headers=headers)
    assert user.status_code == 201 and user.json()["target_id"] == creator.pk
    series = add_to_series(work)
    found = call("post", "/subscriptions", json={"type": "series", "id": series.pk},
                 headers=headers)
    assert found.status_code == 201 and found.json()["title"] == "Tides"
    kinds = {s["type"] for s in call("get", "/subscriptions", headers=headers).json()["items"]}
    assert kinds == {"user", "series"}
    only = call("get", "/subscriptions?type=series", headers=headers).json()
    assert [s["type"] for s in only["items"]] == ["series"]


def test_blocked_reader_cannot_subscribe_to_the_blocker(work, creator, reader):
    block_create(blocker=creator, blocked=reader)
    answer = call("post", "/subscriptions", reader, {"type": "user", "name": "wren_writer"})
    assert answer.status_code == 403


def test_subscriptions_to_unknown_or_hidden_things_are_not_found(creator, reader):
    draft = WorkFactory(creator=creator, posted=False)
    series = add_to_series(draft)
    headers = bearer(reader)
    for body in ({"type": "work", "id": draft.pk}, {"type": "series", "id": series.pk},
                 {"type": "user", "name": "nobody_here"}):
        assert call("post", "/subscriptions", json=body, headers=headers).status_code == 404
    missing = call("post", "/subscriptions", json={"type": "work"}, headers=headers)
    assert missing.status_code == 422 and "id" in missing.json()["errors"]


def test_delete_only_my_own_subscription(work, reader, other_user):
    made = call("post", f"/works/{work.pk}/subscription", reader).json()
    assert call("delete", f"/subscriptions/{made['id']}", other_user).status_code == 404
    assert call("delete", f"/subscriptions/{made['id']}", reader).status_code == 204
    assert not Subscription.objects.exists()
