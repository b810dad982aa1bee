"""Who may write through the API: a token with the ``write`` scope, and
nothing else — not a guest, not a signed-in browser's session cookie, not a
read-only or revoked token. Every write operation in the OpenAPI document is
tried, so a new one cannot forget the check."""

import re

import pytest
from django.test import Client

from chapterhouse.api.app import api
from chapterhouse.api.services import token_create, token_revoke
from chapterhouse.responses.models import Bookmark, Comment, Kudos, Subscription
from chapterhouse.works.models import Work

pytestmark = pytest.mark.django_db


def _write_operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    found = []
    for path, operations in paths.items():
        for method in operations:
            if method != "get":
                found.append((method, path))
    return sorted(found)


WRITES = _write_operations()


def test_every_write_named_in_the_brief_is_there():
    expected = {
        ("post", "/api/v1/works"), ("patch", "/api/v1/works/{work_id}"),
        ("delete", "/api/v1/works/{work_id}"), ("post", "/api/v1/works/{work_id}/post"),
        ("post", "/api/v1/works/{work_id}/chapters"), ("patch", "/api/v1/chapters/{chapter_id}"),
        ("post", "/api/v1/works/{work_id}/kudos"), ("post", "/api/v1/works/{work_id}/comments"),
        ("post", "/api/v1/comments/{comment_id}/replies"),
        ("patch", "/api/v1/comments/{comment_id}"), ("delete", "/api/v1/comments/{comment_id}"),
        ("post", "/api/v1/works/{work_id}/bookmarks"),
        ("patch", "/api/v1/bookmarks/{bookmark_id}"),
        ("delete", "/api/v1/bookmarks/{bookmark_id}"),
        ("post", "/api/v1/works/{work_id}/subscription"),
        ("delete", "/api/v1/works/{work_id}/subscription"),
        ("post", "/api/v1/subscriptions"), ("delete", "/api/v1/subscriptions/{subscription_id}"),
    }
    assert expected <= set(WRITES)


@pytest.fixture
def targets(work, reader):
    """Something real behind every path, so a missing check would change it."""
    comment = Comment.objects.create(work=work, user=reader, pseud=reader.pseuds.get(),
                                     content="<p>Lovely.</p>")
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    bookmark = Bookmark.objects.create(user=reader, pseud=reader.pseuds.get(), work=work)
    subscription = Subscription.objects.create(user=reader, creator=work.creatorships.get()
                                               .pseud.user)
    return {
        "work_id": work.pk, "chapter_id": work.chapters.get().pk, "comment_id": comment.pk,
        "bookmark_id": bookmark.pk, "subscription_id": subscription.pk,
    }


def _path(template: str, ids: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)


def _send(client, method, path, headers):
    body = {"content": "Hello there.", "title": "Changed", "type": "work", "id": 1}
    return getattr(client, method)(path, body, content_type="application/json",
                                   headers=headers)


def _unchanged(work) -> bool:
    return (Work.objects.filter(pk=work.pk, title="The Salt Road").exists()
            and Comment.objects.count() == 1 and Bookmark.objects.count() == 1
            and Subscription.objects.count() == 1 and not Kudos.objects.exists())


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_guest_cannot_write(method, template, targets, work):
    answer = _send(Client(), method, _path(template, targets), {})
    assert answer.status_code == 401
    assert _unchanged(work)


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_signed_in_browser_session_cannot_write(method, template, targets, work, creator,
                                                reader, logged_in):
    for user in (creator, reader):
        answer = _send(logged_in(user), method, _path(template, targets), {})
        assert answer.status_code == 401
    assert _unchanged(work)


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_read_only_token_is_refused_with_a_clear_message(method, template, targets, work,
                                                         creator):
    _, key = token_create(user=creator, name="Reader only", scopes=["read"])
    answer = _send(Client(), method, _path(template, targets),
                   {"Authorization": f"Bearer {key}"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "This token does not have the 'write' scope."
    assert _unchanged(work)


def test_revoked_token_cannot_write(work, reader):
    token, key = token_create(user=reader, name="Old phone", scopes=["read", "write"])
    token_revoke(user=reader, token=token)
    answer = Client().post(f"/api/v1/works/{work.pk}/kudos",
                           headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401
    assert not Kudos.objects.exists()


def test_my_subscriptions_need_a_token(reader, reader_client):
    assert Client().get("/api/v1/subscriptions").status_code == 401
    assert reader_client.get("/api/v1/subscriptions").status_code == 401
