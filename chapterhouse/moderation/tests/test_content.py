"""Admins' actions on content (services/content.py): who may act, what each
action changes, the audit log, the reports it closes and the counts it fixes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import (
    AuditEntry,
    NewsComment,
    NewsPost,
    Report,
    ReportCategory,
    ReportStatus,
    TargetType,
)
from chapterhouse.moderation.services.content import (
    NEWS_COMMENT,
    content_delete,
    content_hide,
    content_unhide,
    hidden_notice,
    hidden_reason,
    target_get,
)
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.bookmarks import bookmark_count_refresh
from chapterhouse.responses.services.comments import comment_count_refresh
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import can_view_work
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def report(target_type, target_id, **fields) -> Report:
    return Report.objects.create(target_type=target_type, target_id=target_id,
                                 category=ReportCategory.OTHER, text="Please look.", **fields)


def comment_on(work, *, text="<p>What a storm that was.</p>", **fields) -> Comment:
    comment = Comment.objects.create(work=work, guest_name="Pell", guest_email="pell@example.com",
                                     content=text, **fields)
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    comment.thread_id = comment.pk
    comment_count_refresh(work_id=work.pk)
    return comment


def bookmark_of(work, user) -> Bookmark:
    found = Bookmark.objects.create(user=user, pseud=user.pseuds.get(is_default=True), work=work)
    bookmark_count_refresh(work_ids=[work.pk])
    return found


@pytest.fixture
def admin(make_admin):
    return make_admin("archivist", role="policy_abuse")


# Who may act ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["support", "wrangler"])
def test_admins_without_the_reports_permission_cannot_hide(make_admin, work, role):
    with pytest.raises(PermissionDenied):
        content_hide(actor=make_admin("helper", role=role), target=work, reason="Spam.")
    work.refresh_from_db()
    assert not work.hidden_by_admin
    assert not AuditEntry.objects.exists()


def test_an_ordinary_user_or_the_creator_cannot_hide_delete_or_unhide(work, creator, reader):
    for actor in (reader, creator):
        with pytest.raises(PermissionDenied):
            content_hide(actor=actor, target=work, reason="No.")
        with pytest.raises(PermissionDenied):
            content_delete(actor=actor, target=work, reason="No.")
        with pytest.raises(PermissionDenied):
            content_unhide(actor=actor, target=work)
    assert Work.objects.filter(pk=work.pk, hidden_by_admin=False).exists()


def test_a_superadmin_may_hide(make_admin, work):
    content_hide(actor=make_admin("chief", role="superadmin"), target=work, reason="Spam.")
    work.refresh_from_db()
    assert work.hidden_by_admin


def test_hiding_and_deleting_need_a_reason(admin, work):
    with pytest.raises(ValidationError):
        content_hide(actor=admin, target=work, reason="   ")
    with pytest.raises(ValidationError):
        content_delete(actor=admin, target=work, reason="")
    work.refresh_from_db()
    assert not work.hidden_by_admin


# Works and chapters -------------------------------------------------------------------


def test_hiding_a_work_takes_it_from_readers_and_logs_why(admin, work, reader, creator):
    content_hide(actor=admin, target=work, reason="Copied from a published novel.")
    work.refresh_from_db()
    assert work.hidden_by_admin
    assert not can_view_work(reader, work)
    assert not can_view_work(None, work)
    assert can_view_work(creator, work)
    assert can_view_work(admin, work)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_type, entry.target_id) == ("work.hide", "work", work.pk)
    assert entry.actor == admin
    assert entry.before == {"hidden_by_admin": False}
    assert entry.after == {"hidden_by_admin": True}
    assert entry.reason == "Copied from a published novel."
    assert entry.target_label == work.title


def test_hidden_reason_and_date_come_from_the_latest_hiding(admin, work):
    assert hidden_reason(work) is None
    content_hide(actor=admin, target=work, reason="Wrong rating.")
    content_hide(actor=admin, target=work, reason="Still the wrong rating.")
    work.refresh_from_db()
    assert hidden_reason(work) == "Still the wrong rating."
    assert hidden_notice(work).hidden_at is not None
    content_unhide(actor=admin, target=work, reason="Fixed by the creator.")
    work.refresh_from_db()
    assert hidden_reason(work) is None


def test_unhiding_brings_the_work_back_and_is_logged(admin, work, reader):
    content_hide(actor=admin, target=work, reason="Spam.")
    content_unhide(actor=admin, target=work, reason="A mistake.")
    work.refresh_from_db()
    assert not work.hidden_by_admin
    assert can_view_work(reader, work)
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry.action == "work.unhide"
    assert (entry.before, entry.after) == ({"hidden_by_admin": True}, {"hidden_by_admin": False})


def test_hiding_a_chapter_hides_its_whole_work(admin, creator):
    work = WorkFactory(creator=creator, chapters=3)
    chapter = work.chapters.get(position=2)
    hidden = content_hide(actor=admin, target=chapter, reason="Harassment in the notes.")
    assert hidden == work
    work.refresh_from_db()
    assert work.hidden_by_admin
    assert AuditEntry.objects.get().action == "work.hide"


def test_deleting_a_work_removes_it_and_keeps_a_record(admin, work):
    work_id, title = work.pk, work.title
    content_delete(actor=admin, target=work, reason="Illegal content.")
    assert not Work.objects.filter(pk=work_id).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_id, entry.target_label) == ("work.delete", work_id, title)
    assert entry.before["title"] == title
    assert entry.before["creators"] == ["wren_writer"]
    assert entry.reason == "Illegal content."


def test_deleting_a_chapter_renumbers_the_rest_and_fixes_the_counts(admin, creator):
    work = WorkFactory(creator=creator, chapters=3)
    words = work.word_count
    second = work.chapters.get(position=2)
    content_delete(actor=admin, target=second, reason="Someone's address.")
    work.refresh_from_db()
    assert list(work.chapters.order_by("position").values_list("position", "title")) == [
        (1, "Part 1"), (2, "Part 3"),
    ]
    assert work.posted_chapter_count == 2
    assert work.word_count < words
    assert AuditEntry.objects.get().action == "chapter.delete"


def test_a_works_only_chapter_cannot_be_deleted_alone(admin, work):
    with pytest.raises(ValidationError):
        content_delete(actor=admin, target=work.chapters.get(), reason="Bad.")
    assert work.chapters.count() == 1
    assert not AuditEntry.objects.exists()


# Reports --------------------------------------------------------------------------------


def test_acting_closes_the_targets_open_reports_and_only_those(admin, creator):
    work = WorkFactory(creator=creator, chapters=2)
    other = WorkFactory(creator=creator)
    on_work = report(TargetType.WORK, work.pk)
    on_chapter = report(TargetType.CHAPTER, work.chapters.first().pk)
    dismissed = report(TargetType.WORK, work.pk, status=ReportStatus.DISMISSED)
    elsewhere = report(TargetType.WORK, other.pk)
    content_hide(actor=admin, target=work, reason="Plagiarism.")
    for each in (on_work, on_chapter, dismissed, elsewhere):
        each.refresh_from_db()
    assert on_work.status == ReportStatus.ACTIONED
    assert on_chapter.status == ReportStatus.ACTIONED
    assert on_work.resolved_by == admin
    assert on_work.resolved_at is not None
    assert dismissed.status == ReportStatus.DISMISSED
    assert elsewhere.status == ReportStatus.OPEN


def test_deleting_a_comment_actions_its_reports(admin, work):
    comment = comment_on(work)
    filed = report(TargetType.COMMENT, comment.pk)
    content_delete(actor=admin, target=comment, reason="Threats.")
    filed.refresh_from_db()
    assert filed.status == ReportStatus.ACTIONED
    assert not Comment.objects.filter(pk=comment.pk).exists()


# Comments, bookmarks, news comments --------------------------------------------------------


def test_hiding_a_comment_lowers_the_works_comment_count(admin, work):
    comment = comment_on(work)
    comment_on(work, text="<p>Another voice.</p>")
    work.refresh_from_db()
    assert work.comment_count == 2
    content_hide(actor=admin, target=comment, reason="Harassment.")
    work.refresh_from_db()
    assert work.comment_count == 1
    comment.refresh_from_db()
    assert comment.hidden_by_admin and not comment.spam
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target_type) == ("comment.hide", "comment")
    assert entry.after == {"hidden_by_admin": True, "spam": False}
    content_unhide(actor=admin, target=comment)
    work.refresh_from_db()
    assert work.comment_count == 2


def test_deleting_a_comment_with_replies_leaves_a_placeholder(admin, work):
    parent = comment_on(work)
    reply = Comment.objects.create(work=work, parent=parent, thread=parent, depth=1,
                                   guest_name="Ros", guest_email="ros@example.com",
                                   content="<p>Agreed.</p>")
    content_delete(actor=admin, target=parent, reason="Abuse.")
    parent.refresh_from_db()
    assert parent.deleted and parent.content == ""
    assert Comment.objects.filter(pk=reply.pk).exists()


def test_hiding_a_bookmark_lowers_the_works_bookmark_count(admin, work, reader, other_user):
    hidden = bookmark_of(work, reader)
    bookmark_of(work, other_user)
    work.refresh_from_db()
    assert work.bookmark_count == 2
    content_hide(actor=admin, target=hidden, reason="Slurs in the notes.")
    work.refresh_from_db()
    assert work.bookmark_count == 1
    content_unhide(actor=admin, target=hidden)
    work.refresh_from_db()
    assert work.bookmark_count == 2


def test_deleting_a_bookmark_lowers_the_count(admin, work, reader):
    found = bookmark_of(work, reader)
    content_delete(actor=admin, target=found, reason="Spam links.")
    work.refresh_from_db()
    assert work.bookmark_count == 0
    assert not Bookmark.objects.filter(pk=found.pk).exists()
    assert AuditEntry.objects.get().action == "bookmark.delete"


def test_news_comments_can_be_hidden_and_deleted(admin, reader):
    post = NewsPost.objects.create(title="New tag rules", content="<p>Read on.</p>",
                                   comments_enabled=True)
    said = NewsComment.objects.create(post=post, user=reader, content="<p>Buy pills.</p>")
    content_hide(actor=admin, target=said, reason="Spam.")
    said.refresh_from_db()
    assert said.hidden_by_admin
    assert target_get(NEWS_COMMENT, said.pk) == said
    content_delete(actor=admin, target=said, reason="Spam.")
    assert not NewsComment.objects.exists()
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "news_comment.hide", "news_comment.delete",
    ]


# Looking targets up -------------------------------------------------------------------------


def test_target_get_finds_each_kind_and_none_when_gone(work, reader):
    chapter = work.chapters.get()
    comment = comment_on(work)
    found = bookmark_of(work, reader)
    assert target_get(TargetType.WORK, work.pk) == work
    assert target_get("chapter", chapter.pk) == chapter
    assert target_get("comment", comment.pk) == comment
    assert target_get("bookmark", found.pk) == found
    assert target_get("work", 987654) is None
    with pytest.raises(ValidationError):
        target_get("user", reader.pk)


def test_an_inactive_admin_may_not_act(make_admin, work):
    admin = make_admin("gone_admin", role="policy_abuse")
    admin.is_active = False
    admin.save()
    with pytest.raises(PermissionDenied):
        content_hide(actor=admin, target=work, reason="Spam.")


def test_a_staff_user_without_a_role_may_not_act(work):
    staff = UserFactory(username="plain_staff", is_staff=True)
    with pytest.raises(PermissionDenied):
        content_hide(actor=staff, target=work, reason="Spam.")
