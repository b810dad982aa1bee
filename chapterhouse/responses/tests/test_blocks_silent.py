"""A block is never named (docs/blocking.md): a blocked reader is refused with
the words any other refusal uses, on the pages, the JSON endpoints and the API,
whether the work names its creator or is anonymous."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.services import block_create
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.responses.models import Comment, Kudos
from chapterhouse.responses.services.comments import comment_create, comment_delete
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

NO_COMMENT = "Sorry, you can't comment on this work."
NO_REPLY = "Sorry, you can't reply to this comment."
NO_KUDOS = "Sorry, you can't leave kudos on this work."


def api(user) -> dict:
    _, key = token_create(user=user, name="Reader app", scopes=["read", "write"])
    return {"Authorization": f"Bearer {key}"}


def text_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ")


@pytest.fixture(params=["named", "anonymous"])
def blocked_on(request, creator, reader):
    """A posted work by ``creator`` (named or anonymous) who has blocked ``reader``."""
    work = WorkFactory(creator=creator, anonymous=request.param == "anonymous")
    block_create(blocker=creator, blocked=reader)
    return work


def test_comment_refusals_never_mention_the_block(blocked_on, reader, reader_client):
    work = blocked_on
    page = reader_client.get(f"/works/{work.pk}")
    assert page.status_code == 200
    refusal = BeautifulSoup(page.content, "html.parser").select_one("#comment_refusal")
    assert refusal.get_text(strip=True) == NO_COMMENT
    assert "blocked" not in text_of(page).lower()

    posted = reader_client.post(f"/works/{work.pk}/comments",
                                {"comment[comment_content]": "Let me in"})
    assert posted.status_code == 403
    assert NO_COMMENT in text_of(posted) and "blocked" not in text_of(posted).lower()

    as_json = reader_client.post("/comments.js", {"comment[comment_content]": "Let me in",
                                                  "work_id": work.pk})
    assert as_json.status_code == 403
    assert as_json.json() == {"errors": [NO_COMMENT]}

    through_api = Client().post(f"/api/v1/works/{work.pk}/comments", {"content": "Let me in"},
                                content_type="application/json", headers=api(reader))
    assert through_api.status_code == 403
    assert through_api.json()["detail"] == NO_COMMENT
    assert not Comment.objects.exists()


def test_kudos_refusals_never_mention_the_block(blocked_on, reader, reader_client):
    work = blocked_on
    form = {"kudo[commentable_id]": str(work.pk), "kudo[commentable_type]": "Work"}
    flashed = reader_client.post("/kudos", form, follow=True)
    assert NO_KUDOS in text_of(flashed) and "blocked" not in text_of(flashed).lower()
    as_json = reader_client.post("/kudos.js", form)
    assert as_json.status_code == 422
    assert as_json.json() == {"errors": {"commentable": [NO_KUDOS]}}
    through_api = Client().post(f"/api/v1/works/{work.pk}/kudos", headers=api(reader))
    assert through_api.status_code == 422
    assert through_api.json()["detail"] == NO_KUDOS
    assert not Kudos.objects.exists()


def test_a_reply_refused_by_a_block_reads_like_one_to_a_deleted_comment(
    work, reader, reader_client
):
    third = UserFactory()
    blocker_comment = comment_create(work=work, viewer=third, content="First!")
    gone = comment_create(work=work, viewer=third, content="Second")
    comment_create(work=work, viewer=reader, content="keeps it", parent=gone)
    comment_delete(comment=gone, viewer=third)
    block_create(blocker=third, blocked=reader)

    def reply(comment):
        return reader_client.post("/comments.js", {"comment[comment_content]": "Hi",
                                                   "comment_id": comment.pk})

    blocked, deleted = reply(blocker_comment), reply(gone)
    assert blocked.status_code == deleted.status_code == 403
    assert blocked.json() == deleted.json() == {"errors": [NO_REPLY]}
    through_api = Client().post(f"/api/v1/comments/{blocker_comment.pk}/replies",
                                {"content": "Hi"}, content_type="application/json",
                                headers=api(reader))
    assert through_api.status_code == 403
    assert through_api.json()["detail"] == NO_REPLY
