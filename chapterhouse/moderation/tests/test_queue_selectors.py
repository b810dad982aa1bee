"""What the admin queue reads: reports grouped by target, the dashboard's
counts, and one target's page (content, reports, history, creator activity)."""

import datetime

import pytest
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.audit import audit_record
from chapterhouse.moderation.models import (
    Report,
    ReportCategory,
    ReportStatus,
    Sanction,
    SanctionKind,
    TargetType,
)
from chapterhouse.moderation.selectors import queue
from chapterhouse.responses.models import Comment
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def report(target_type, target_id, *, category=ReportCategory.SPAM, minutes_ago=0,
           status=ReportStatus.OPEN, reporter=None, text="This looks wrong."):
    return Report.objects.create(
        target_type=target_type, target_id=target_id, category=category, text=text,
        reporter=reporter, reporter_email="" if reporter else "guest@example.org",
        reporter_address=None if reporter else "203.0.113.9", status=status,
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
    )


def comment_by(user, work, text="<p>Buy cheap lamps at lamps.example.com</p>"):
    pseud = user.pseuds.first()
    comment = Comment.objects.create(work=work, user=user, pseud=pseud, content=text)
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    return comment


def test_reports_of_one_target_make_one_row_with_count_and_categories(work, reader):
    report(TargetType.WORK, work.pk, category=ReportCategory.SPAM, minutes_ago=30)
    report(TargetType.WORK, work.pk, category=ReportCategory.WRONG_TAGS, minutes_ago=5)
    report(TargetType.WORK, work.pk, category=ReportCategory.SPAM, minutes_ago=10)
    page = queue.queue_page()
    assert page.total == 1
    [row] = page.items
    assert row.target.title == "The Salt Road"
    assert row.target.creator_label == "wren_writer"
    assert row.report_count == 3
    assert row.categories == ["Spam or advertising", "Wrong rating, warnings or tags"]


def test_rows_come_newest_report_first(work, reader, creator):
    comment = comment_by(reader, work)
    report(TargetType.WORK, work.pk, minutes_ago=60)
    report(TargetType.COMMENT, comment.pk, minutes_ago=1)
    report(TargetType.USER, creator.pk, minutes_ago=30)
    page = queue.queue_page()
    assert [(r.target.target_type, r.target.title) for r in page.items] == [
        ("comment", "Comment on The Salt Road"),
        ("user", "wren_writer"),
        ("work", "The Salt Road"),
    ]


def test_filters_by_type_and_status(work, reader):
    comment = comment_by(reader, work)
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, comment.pk, status=ReportStatus.DISMISSED)
    assert [r.target.target_type for r in queue.queue_page().items] == ["work"]
    assert queue.queue_page(target_type="comment").total == 0
    dismissed = queue.queue_page(status=ReportStatus.DISMISSED)
    assert [r.target.target_id for r in dismissed.items] == [comment.pk]


def test_queue_pages_and_a_deleted_target_still_shows(work):
    for n in range(queue.QUEUE_PER_PAGE + 3):
        report(TargetType.WORK, 10_000 + n, minutes_ago=n)
    first = queue.queue_page()
    assert first.total == queue.QUEUE_PER_PAGE + 3 and len(first.items) == queue.QUEUE_PER_PAGE
    second = queue.queue_page(page=2)
    assert len(second.items) == 3
    assert not second.items[0].target.exists
    assert second.items[0].target.title == "(deleted)"


def test_queue_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries, creator):
    readers = UserFactory.create_batch(3)
    for n in range(5):
        work = WorkFactory(creator=creator, title=f"Lantern {n}")
        report(TargetType.WORK, work.pk)
        comment = comment_by(readers[n % 3], work)
        report(TargetType.COMMENT, comment.pk)
        report(TargetType.CHAPTER, work.chapters.first().pk)
        report(TargetType.USER, readers[n % 3].pk)
    with django_assert_max_num_queries(12):
        page = queue.queue_page()
        assert len(page.items) == 5 + 5 + 5 + 3
        [row.target.creator_label for row in page.items]


def test_open_counts_by_type(work, reader):
    comment = comment_by(reader, work)
    report(TargetType.WORK, work.pk)
    report(TargetType.WORK, work.pk)
    report(TargetType.COMMENT, comment.pk)
    report(TargetType.COMMENT, comment.pk, status=ReportStatus.ACTIONED)
    counts = {row["target_type"]: (row["targets"], row["reports"])
              for row in queue.open_report_counts()}
    assert counts["work"] == (1, 2)
    assert counts["comment"] == (1, 1)
    assert counts["bookmark"] == (0, 0)


def test_detail_of_a_work_has_metadata_excerpt_reports_and_history(work, reader, make_admin):
    chapter = work.chapters.first()
    chapter.content = "<p>The lamp went out at the third bell.</p>"
    chapter.save()
    old = report(TargetType.WORK, work.pk, status=ReportStatus.DISMISSED, minutes_ago=600)
    new = report(TargetType.WORK, work.pk, reporter=reader, text="Wrong rating.")
    audit_record(actor=make_admin("keeper"), action="work.unhide", target=work, reason="Fine.")
    detail = queue.target_detail(target_type="work", target_id=work.pk)
    assert detail.work_blurb.work == work
    assert detail.text_excerpt == "The lamp went out at the third bell."
    assert detail.open_reports == [new]
    assert detail.earlier_reports == [old]
    assert [e.action for e in detail.history] == ["work.unhide"]
    assert [a.user for a in detail.activity] == [work.creatorships.first().pseud.user]


def test_detail_shows_creators_other_activity_and_active_sanctions(work, reader, creator):
    other = WorkFactory(creator=reader, title="Five Bells")
    comment = comment_by(reader, work)
    older = comment_by(reader, other, text="<p>Earlier words.</p>")
    Sanction.objects.create(user=reader, kind=SanctionKind.SUSPENSION, reason="Spam wave.",
                            until=timezone.now() + datetime.timedelta(days=3))
    Sanction.objects.create(user=reader, kind=SanctionKind.WARNING, reason="Old one.",
                            lifted_at=timezone.now())
    Sanction.objects.create(user=reader, kind=SanctionKind.SUSPENSION, reason="Ended.",
                            until=timezone.now() - datetime.timedelta(days=1))
    report(TargetType.COMMENT, comment.pk)
    detail = queue.target_detail(target_type="comment", target_id=comment.pk)
    assert "lamps.example.com" in detail.content_html
    [activity] = detail.activity
    assert activity.user == reader
    assert [w.title for w in activity.works] == ["Five Bells"]
    assert {c.target_id for c in activity.comments} == {comment.pk, older.pk}
    assert [s.reason for s in activity.sanctions] == ["Spam wave."]


def test_detail_of_guest_comment_lists_same_guests_other_comments(work):
    def guest(text, ip):
        c = Comment.objects.create(work=work, guest_name="Pell", guest_email="pell@example.org",
                                   guest_ip=ip, content=text)
        return c

    first = guest("<p>one</p>", "198.51.100.7")
    second = guest("<p>two</p>", "198.51.100.7")
    Comment.objects.create(work=work, guest_name="Other", guest_email="o@example.org",
                           guest_ip="192.0.2.1", content="<p>unrelated</p>")
    detail = queue.target_detail(target_type="comment", target_id=first.pk)
    assert detail.target.guest and detail.target.creator_label == "Pell (guest)"
    assert [c.target_id for c in detail.guest_comments] == [second.pk]
    assert detail.activity == []


def test_unknown_type_has_no_detail():
    assert queue.target_detail(target_type="spaceship", target_id=1) is None
