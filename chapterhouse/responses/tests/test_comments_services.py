"""The comment rules, through the services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.models import Block
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Comment, InboxItem, InboxKind, Notification
from chapterhouse.responses.selectors.comments import MAX_DEPTH
from chapterhouse.responses.services import comments as svc
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.models import CommentPermission
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def post(work, viewer, content="Loved the lighthouse scene.", **kw):
    return svc.comment_create(work=work, viewer=viewer, content=content, **kw)


def guest_post(work, content="A guest was here.", **kw):
    kw.setdefault("guest_name", "Pell")
    kw.setdefault("guest_email", "pell@example.org")
    kw.setdefault("guest_ip", "203.0.113.5")
    return svc.comment_create(work=work, viewer=GUEST, content=content, **kw)


def count(work):
    work.refresh_from_db()
    return work.comment_count


def test_reader_comment_counts_and_tells_the_creator(work, reader, creator):
    comment = post(work, reader)
    assert comment.thread_id == comment.pk and comment.depth == 0
    assert comment.pseud == reader.pseuds.get(is_default=True)
    assert count(work) == 1
    item = InboxItem.objects.get(user=creator)
    assert item.kind == InboxKind.COMMENT and item.comment == comment
    assert item.key == f"comment:{comment.pk}:to:{creator.pk}"
    mail = Notification.objects.get(user=creator)
    assert mail.payload["comment_id"] == comment.pk and mail.kind == "comment"


def test_creator_is_not_told_of_her_own_comment(work, creator):
    post(work, creator)
    assert not InboxItem.objects.exists()
    assert not Notification.objects.exists()


def test_preferences_switch_inbox_and_mail_off(work, reader, creator):
    creator.preference.comment_inbox_off = True
    creator.preference.comment_emails_off = True
    creator.preference.save()
    post(work, reader)
    assert not InboxItem.objects.exists()
    assert not Notification.objects.exists()


def test_reply_tells_the_parent_author_and_nests(work, reader, creator):
    top = post(work, reader)
    reply = post(work, creator, "Thank you!", parent=top)
    assert reply.thread_id == top.pk and reply.depth == 1 and reply.parent == top
    item = InboxItem.objects.get(user=reader)
    assert item.kind == InboxKind.REPLY
    assert Notification.objects.get(user=reader).kind == "reply"
    assert count(work) == 2  # AO3 counts replies too


def test_creator_replying_to_her_own_work_comment_gets_a_reply_not_a_comment_notice(
    work, reader, creator
):
    top = post(work, creator, "Author's note: thanks for reading.")
    post(work, reader, "You're welcome", parent=top)
    kinds = list(InboxItem.objects.filter(user=creator).values_list("kind", flat=True))
    assert kinds == [InboxKind.REPLY]


def test_co_creators_are_each_told(work, reader):
    other = UserFactory()
    work.creatorships.create(pseud=other.pseuds.first(), accepted=True)
    post(work, reader)
    assert InboxItem.objects.count() == 2


def test_anonymous_work_creator_still_told_and_shown_as_anonymous_creator(reader, creator):
    work = WorkFactory(creator=creator, anonymous=True)
    comment = post(work, creator, "Anon here")
    post(work, reader, "reply", parent=comment)
    item = InboxItem.objects.get(user=creator)
    assert creator.username not in InboxItem.objects.get(user=creator).text
    assert item.kind == InboxKind.REPLY
    reply_to_reader = post(work, reader, "hello")
    post(work, creator, "hi", parent=reply_to_reader)
    text = InboxItem.objects.get(user=reader).text
    assert "Anonymous Creator" in text and creator.username not in text


def test_empty_and_too_long_comments_are_refused(work, reader):
    with pytest.raises(ValidationError, match="write something"):
        post(work, reader, "   ")
    with pytest.raises(ValidationError, match="10,000"):
        post(work, reader, "x" * 10_001)
    post(work, reader, "y" * 10_000)


def test_script_does_not_survive(work, reader):
    comment = post(work, reader, 'Nice<script>alert(1)</script> <a href="javascript:x">a</a>')
    assert "<script" not in comment.content and "javascript:" not in comment.content
    with pytest.raises(ValidationError):
        post(work, reader, "<script>alert(2)</script>")


def test_guest_comment_needs_name_and_email(work):
    with pytest.raises(ValidationError, match="name"):
        guest_post(work, guest_name="")
    with pytest.raises(ValidationError, match="email"):
        guest_post(work, guest_email="")
    with pytest.raises(ValidationError, match="valid email"):
        guest_post(work, guest_email="not-an-address")
    comment = guest_post(work)
    assert comment.is_guest and comment.guest_name == "Pell"


def test_guest_cannot_comment_where_work_allows_only_users(creator):
    work = WorkFactory(creator=creator, comment_permission=CommentPermission.REGISTERED)
    with pytest.raises(PermissionDenied, match="non-Archive users"):
        guest_post(work)


def test_no_one_comments_when_comments_are_off(creator, reader):
    work = WorkFactory(creator=creator, comment_permission=CommentPermission.NONE)
    with pytest.raises(PermissionDenied, match="doesn't allow comments"):
        post(work, reader)


def test_guest_cannot_comment_on_restricted_work(creator, reader):
    work = WorkFactory(creator=creator, restricted=True)
    with pytest.raises(PermissionDenied):
        guest_post(work)
    post(work, reader)


def test_nobody_comments_on_a_draft_or_hidden_work(creator, reader):
    for work in (WorkFactory(creator=creator, posted=False),
                 WorkFactory(creator=creator, hidden_by_admin=True)):
        with pytest.raises(PermissionDenied):
            post(work, reader)


def test_blocked_reader_cannot_comment(work, reader, creator):
    Block.objects.create(blocker=creator, blocked=reader)
    with pytest.raises(PermissionDenied, match="^Sorry, you can't comment on this work.$"):
        post(work, reader)


def test_reply_refused_when_parent_author_blocked_viewer(work, reader):
    third = UserFactory()
    top = post(work, third)
    Block.objects.create(blocker=third, blocked=reader)
    with pytest.raises(PermissionDenied, match="^Sorry, you can't reply to this comment.$"):
        post(work, reader, parent=top)


def test_guest_reply_refused_when_parent_author_turned_guest_replies_off(work, reader):
    top = post(work, reader)
    reader.preference.guest_replies_off = True
    reader.preference.save()
    with pytest.raises(PermissionDenied, match="non-Archive users to reply"):
        guest_post(work, parent=top)


def test_frozen_thread_takes_no_replies_and_unfreezes(work, reader, creator):
    top = post(work, reader)
    reply = post(work, creator, "reply", parent=top)
    svc.comment_freeze(comment=top, viewer=creator)
    reply.refresh_from_db()
    assert reply.frozen
    with pytest.raises(PermissionDenied, match="frozen"):
        post(work, reader, "more", parent=reply)
    with pytest.raises(PermissionDenied):
        svc.comment_freeze(comment=top, viewer=reader)
    svc.comment_unfreeze(comment=top, viewer=creator)
    reply.refresh_from_db()
    post(work, reader, "more", parent=reply)


def test_deep_replies_attach_at_the_depth_limit(work, reader, creator):
    node = post(work, reader, "level 0")
    for level in range(1, MAX_DEPTH + 3):
        node = post(work, creator if level % 2 else reader, f"level {level}", parent=node)
    assert node.depth == MAX_DEPTH
    assert Comment.objects.filter(work=work).order_by("-depth").first().depth == MAX_DEPTH


def test_pseud_must_be_the_commenters_own(work, reader, creator):
    second = reader.pseuds.create(name="Lantern")
    assert post(work, reader, pseud=second.pk).pseud == second
    with pytest.raises(ValidationError, match="own pseuds"):
        post(work, reader, "again, differently", pseud=creator.pseuds.first().pk)


def test_guest_rate_limit_and_user_limit(work):
    for n in range(svc.GUEST_RATE["count"]):
        guest_post(work, content=f"note {n}")
    with pytest.raises(RateLimited) as limited:
        guest_post(work, content="one too many")
    assert limited.value.retry_after > 0


def test_spam_checks_honeypot_links_repeats(work, reader):
    with pytest.raises(ValidationError, match="spam"):
        guest_post(work, honeypot="http://spam.example")
    with pytest.raises(ValidationError, match="links"):
        guest_post(work, content="http://a.example http://b.example http://c.example")
    guest_post(work, content="Same words")
    with pytest.raises(ValidationError, match="already posted"):
        guest_post(work, content="same   words")
    post(work, reader, "Mine")
    with pytest.raises(ValidationError, match="already posted"):
        post(work, reader, "Mine")


def test_edit_by_author_only_marks_edited(work, reader, creator):
    comment = post(work, reader)
    with pytest.raises(PermissionDenied):
        svc.comment_edit(comment=comment, viewer=creator, content="changed")
    svc.comment_edit(comment=comment, viewer=reader, content="<p>Changed</p><script>x</script>")
    comment.refresh_from_db()
    assert comment.edited_at is not None and "<script" not in comment.content


def test_delete_with_replies_keeps_placeholder_and_counts(work, reader, creator):
    top = post(work, reader)
    reply = post(work, creator, "reply", parent=top)
    assert count(work) == 2
    svc.comment_delete(comment=top, viewer=reader)
    top.refresh_from_db()
    assert top.deleted and top.content == ""
    assert count(work) == 1
    svc.comment_delete(comment=reply, viewer=creator)
    assert not Comment.objects.filter(work=work).exists()  # the empty placeholder goes too
    assert count(work) == 0


def test_only_author_creator_or_admin_deletes(work, reader):
    comment = post(work, reader)
    with pytest.raises(PermissionDenied):
        svc.comment_delete(comment=comment, viewer=UserFactory())
    admin = UserFactory(is_staff=True)
    svc.comment_delete(comment=comment, viewer=admin)
    assert not Comment.objects.exists()


def test_hide_takes_comment_out_of_count(work, reader, creator):
    comment = post(work, reader)
    svc.comment_hide(comment=comment, viewer=creator)
    assert count(work) == 0
    with pytest.raises(PermissionDenied):
        svc.comment_unhide(comment=comment, viewer=reader)
    svc.comment_unhide(comment=comment, viewer=creator)
    assert count(work) == 1


def test_moderated_work_holds_comments_until_approved(creator, reader):
    work = WorkFactory(creator=creator, moderated_comments=True)
    top = post(work, creator, "Creator's own comment goes straight through")
    assert top.approved
    waiting = post(work, reader, "Waiting", parent=top)
    assert not waiting.approved and count(work) == 1
    item = InboxItem.objects.get(user=creator)
    assert "awaiting" in item.text
    assert Notification.objects.get(user=creator).payload["awaiting_approval"] is True
    with pytest.raises(PermissionDenied):
        post(work, creator, "can't reply yet", parent=waiting)
    svc.comment_approve(comment=waiting, viewer=creator)
    assert count(work) == 2
    other = post(work, reader, "Second")
    svc.comment_reject(comment=other, viewer=creator)
    assert not Comment.objects.filter(pk=other.pk).exists()
    with pytest.raises(PermissionDenied):
        svc.comment_approve(comment=top, viewer=reader)


def test_counter_change_reaches_the_search_index(work, reader, monkeypatch):
    seen = []
    monkeypatch.setattr(svc, "work_changed", lambda ids: seen.append(list(ids)))
    post(work, reader)
    assert [work.pk] in seen
