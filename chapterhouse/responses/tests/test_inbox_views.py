"""The inbox page: only its owner sees it; she filters, marks read or unread,
deletes, and answers comments in place."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Comment, InboxItem, InboxKind
from chapterhouse.responses.selectors.inbox import inbox_unread_count
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.responses.services.notify import inbox_deliver
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def deliver(user, n, *, kind=InboxKind.SUBSCRIPTION, work=None, **extra):
    return inbox_deliver(user=user, kind=kind, key=f"test:{n}", text=f"News number {n}",
                         work=work, **extra)


@pytest.fixture
def comment_item(creator, reader, work):
    """The reader comments on the creator's work; the creator's inbox has it."""
    comment_create(work=work, viewer=reader, content="I loved the lighthouse scene.")
    return InboxItem.objects.get(user=creator, kind=InboxKind.COMMENT)


def inbox_url(user):
    return f"/users/{user.username}/inbox"


def test_guest_is_asked_to_log_in(client, creator):
    response = client.get(inbox_url(creator))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_user_cannot_see_my_inbox(reader_client, creator, work):
    deliver(creator, 1, work=work)
    response = reader_client.get(inbox_url(creator))
    assert response.status_code == 403
    assert b"News number 1" not in response.content


def test_another_user_cannot_change_my_inbox(reader_client, creator, work):
    item = deliver(creator, 1, work=work)
    response = reader_client.post(inbox_url(creator) + "/update",
                                  {"inbox_items[]": [item.pk], "delete": "Delete"})
    assert response.status_code == 403
    assert InboxItem.objects.filter(pk=item.pk).exists()


def test_unknown_user_inbox_is_not_found(creator_client):
    assert creator_client.get("/users/nobody_here/inbox").status_code == 404


def test_owner_sees_her_items_newest_first_with_the_work_linked(creator_client, creator, work):
    deliver(creator, 1, work=work)
    deliver(creator, 2, work=work)
    page = soup(creator_client.get(inbox_url(creator)))
    texts = [p.get_text() for p in page.select("ol.comment.index li p.summary")]
    assert texts == ["News number 2", "News number 1"]
    assert page.select_one("li a.work")["href"] == f"/works/{work.pk}"
    assert page.select_one("div#main")["class"][:2] == ["inbox-show", "dashboard"]


def test_the_inbox_is_paginated(creator_client, creator):
    for n in range(25):
        deliver(creator, n)
    first = soup(creator_client.get(inbox_url(creator)))
    assert len(first.select("ol.comment.index > li")) == 20
    second = soup(creator_client.get(inbox_url(creator) + "?page=2"))
    assert len(second.select("ol.comment.index > li")) == 5


def test_unread_filter_and_marking_several_read(creator_client, creator, work):
    items = [deliver(creator, n, work=work) for n in range(3)]
    assert inbox_unread_count(creator) == 3
    response = creator_client.post(
        inbox_url(creator) + "/update",
        {"inbox_items[]": [items[0].pk, items[1].pk], "read": "Mark Read"},
    )
    assert response.status_code == 302
    assert inbox_unread_count(creator) == 1
    unread = soup(creator_client.get(inbox_url(creator) + "?filters[read]=false"))
    assert [p.get_text() for p in unread.select("li p.summary")] == ["News number 2"]
    read = soup(creator_client.get(inbox_url(creator) + "?filters[read]=true"))
    assert len(read.select("ol.comment.index > li.read")) == 2


def test_marking_unread_again(creator_client, creator):
    item = deliver(creator, 1)
    InboxItem.objects.filter(pk=item.pk).update(read=True)
    creator_client.post(inbox_url(creator) + "/update",
                        {"inbox_items[]": [item.pk], "unread": "Mark Unread"})
    assert inbox_unread_count(creator) == 1


def test_deleting_several_leaves_the_rest_and_other_peoples_items(
    creator_client, creator, reader
):
    mine = [deliver(creator, n) for n in range(3)]
    theirs = deliver(reader, 9)
    creator_client.post(
        inbox_url(creator) + "/update",
        {"inbox_items[]": [mine[0].pk, mine[2].pk, theirs.pk], "delete": "Delete"},
    )
    assert list(InboxItem.objects.filter(user=creator).values_list("pk", flat=True)) == [
        mine[1].pk
    ]
    assert InboxItem.objects.filter(pk=theirs.pk).exists()


def test_a_comment_item_shows_who_and_what_and_offers_a_reply_form(
    creator_client, creator, comment_item
):
    page = soup(creator_client.get(inbox_url(creator)))
    entry = page.select_one(f"li#inbox_item_{comment_item.pk}")
    assert "ashby_reader" in entry.select_one("h4").get_text()
    assert "I loved the lighthouse scene." in entry.select_one("blockquote").get_text()
    form = entry.select_one("form.reply")
    assert form.select_one(f"label[for=reply_content_{comment_item.pk}]")
    assert form.select_one("textarea")["name"] == "comment[comment_content]"


def test_reply_in_place_posts_a_reply_to_that_comment(creator_client, creator, reader,
                                                       comment_item):
    response = creator_client.post(
        inbox_url(creator) + "/reply",
        {"inbox_item_id": comment_item.pk, "comment[comment_content]": "Thank you so much!",
         "return_to_inbox": "1"},
    )
    assert response.status_code == 302
    reply = Comment.objects.get(parent=comment_item.comment)
    assert reply.user == creator
    assert "Thank you so much!" in reply.content
    comment_item.refresh_from_db()
    assert comment_item.read
    # The reader hears of the reply in her own inbox.
    assert InboxItem.objects.filter(user=reader, kind=InboxKind.REPLY, comment=reply).exists()


def test_an_empty_reply_is_refused_and_the_page_says_why(creator_client, creator, comment_item):
    response = creator_client.post(
        inbox_url(creator) + "/reply",
        {"inbox_item_id": comment_item.pk, "comment[comment_content]": "   "},
    )
    assert response.status_code == 422
    entry = soup(response).select_one(f"li#inbox_item_{comment_item.pk}")
    assert entry.select_one("form.reply .error")
    assert not Comment.objects.filter(parent=comment_item.comment).exists()


def test_a_refused_reply_keeps_what_was_typed(creator_client, creator, comment_item):
    Comment.objects.filter(pk=comment_item.comment_id).update(frozen=True)
    response = creator_client.post(
        inbox_url(creator) + "/reply",
        {"inbox_item_id": comment_item.pk, "comment[comment_content]": "Kept words"},
    )
    assert response.status_code == 422
    assert b"Kept words" in response.content


def test_cannot_reply_through_someone_elses_item(reader_client, creator, comment_item):
    response = reader_client.post(
        inbox_url(creator) + "/reply",
        {"inbox_item_id": comment_item.pk, "comment[comment_content]": "Sneaky"},
    )
    assert response.status_code == 403
    assert not Comment.objects.filter(parent=comment_item.comment).exists()


def test_a_hidden_work_shows_as_deleted_without_its_text(creator_client, creator, reader,
                                                         logged_in):
    other = WorkFactory(title="Secret Harbour")
    deliver(reader, 1, work=other)
    other.hidden_by_admin = True
    other.save()
    response = logged_in(reader).get(inbox_url(reader))
    assert b"Secret Harbour" not in response.content
    assert b"News number 1" not in response.content
    assert b"(Deleted work)" in response.content


def test_an_anonymous_creators_reply_does_not_name_her(creator, reader, logged_in):
    work = WorkFactory(creator=creator, title="Nameless Tide", anonymous=True)
    top = comment_create(work=work, viewer=reader, content="Who wrote this?")
    comment_create(work=work, viewer=creator, content="A secret!", parent=top)
    item = InboxItem.objects.get(user=reader, kind=InboxKind.REPLY)
    page = soup(logged_in(reader).get(inbox_url(reader)))
    entry = page.select_one(f"li#inbox_item_{item.pk}")
    assert "wren_writer" not in entry.get_text()
    assert "Anonymous Creator" in entry.get_text()


def test_unread_count_is_zero_for_guests_and_counts_only_unread(creator):
    from django.contrib.auth.models import AnonymousUser

    assert inbox_unread_count(AnonymousUser()) == 0
    deliver(creator, 1)
    InboxItem.objects.filter(pk=deliver(creator, 2).pk).update(read=True)
    assert inbox_unread_count(creator) == 1


def test_inbox_page_query_count_does_not_grow_with_items(creator_client, creator, work,
                                                         django_assert_max_num_queries):
    for n in range(3):
        reader = UserFactory()
        comment_create(work=work, viewer=reader, content=f"Comment {n}")
    creator_client.get(inbox_url(creator))
    with django_assert_max_num_queries(15) as captured:
        creator_client.get(inbox_url(creator))
    few = len(captured.captured_queries)
    for n in range(10):
        comment_create(work=work, viewer=UserFactory(), content=f"More {n}")
    with django_assert_max_num_queries(few):
        creator_client.get(inbox_url(creator))
