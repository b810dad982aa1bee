"""Reports through the service: what may be reported by whom, what is stored,
the acknowledgement mail, the limits, and closing reports."""

from unittest.mock import patch

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import AuditEntry, Report, ReportStatus, TargetType
from chapterhouse.moderation.services import reports as svc
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.tasks_runner import tasks_run_pending
from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.models import Chapter
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()
ADDRESS = "203.0.113.9"


def make_comment(work, user=None, content="<p>This is the worst lighthouse ever written.</p>",
                 **kw):
    comment = Comment.objects.create(
        work=work, user=user, pseud=user.pseuds.get(is_default=True) if user else None,
        guest_name="" if user else "Pell", content=content, **kw,
    )
    comment.thread = comment
    comment.save(update_fields=["thread"])
    return comment


def make_bookmark(user, work, **kw):
    return Bookmark.objects.create(user=user, pseud=user.pseuds.get(is_default=True), work=work,
                                   notes="<p>Buy cheap lamps at lamps.example</p>", **kw)


def report(reporter, target_type, target_id, **kw):
    kw.setdefault("category", "spam")
    kw.setdefault("text", "It is an advertisement for lamps.")
    kw.setdefault("address", ADDRESS)
    if reporter is GUEST:
        kw.setdefault("email", "pell@example.org")
    return svc.report_create(reporter=reporter, target_type=target_type, target_id=target_id,
                             **kw)


# Storing and acknowledging --------------------------------------------------------


def test_reader_report_of_a_work_is_stored_with_what_she_said(work, reader, mailoutbox):
    made = report(reader, "work", work.pk, category="tags",
                  text="  Rated General but chapter 2 is explicit.  ",
                  url=f"/works/{work.pk}/chapters/3")
    # The mail waits for the worker: the reporter's request never talks to the mail server.
    assert mailoutbox == []
    assert tasks_run_pending() == 1
    stored = Report.objects.get()
    assert stored == made
    assert stored.reporter == reader and stored.reporter_email == ""
    assert (stored.target_type, stored.target_id) == ("work", work.pk)
    assert stored.category == "tags"
    assert stored.text == "Rated General but chapter 2 is explicit."
    assert stored.url == f"/works/{work.pk}/chapters/3"
    assert stored.reporter_address == ADDRESS
    assert stored.status == ReportStatus.OPEN
    [mail] = mailoutbox
    assert mail.to == [reader.email]
    assert f"#{stored.pk}" in mail.subject
    assert "The Salt Road" in mail.body and "Wrong rating, warnings or tags" in mail.body
    assert "Rated General but chapter 2 is explicit." in mail.body


def test_guest_report_of_a_comment_mails_the_address_she_gave(work, reader, mailoutbox):
    comment = make_comment(work, reader)
    made = report(GUEST, "comment", comment.pk, email="pell@example.org",
                  category="harassment", text="It insults the author.")
    tasks_run_pending()
    assert made.reporter is None and made.reporter_email == "pell@example.org"
    assert made.category == "harassment" and made.reporter_address == ADDRESS
    [mail] = mailoutbox
    assert mail.to == ["pell@example.org"]
    assert f"Your report (#{made.pk}) reached the admins" in mail.subject
    assert "worst lighthouse" in mail.body


def test_the_acknowledgement_is_written_with_the_report_or_not_at_all(work, reader, mailoutbox):
    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        report(reader, "work", work.pk)
        assert DBTaskResult.objects.count() == 1  # queued inside the report's transaction
        raise Crash
    assert not Report.objects.exists() and not DBTaskResult.objects.exists()
    assert tasks_run_pending() == 0 and mailoutbox == []


def test_the_acknowledgement_waits_while_the_mail_server_refuses(work, reader, mailoutbox):
    report(reader, "work", work.pk)
    with patch("chapterhouse.moderation.tasks.send_mail", side_effect=ConnectionRefusedError):
        assert tasks_run_pending() == 1
    assert mailoutbox == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after is not None and retry.run_after > timezone.now()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert tasks_run_pending() == 1
    [mail] = mailoutbox
    assert mail.to == [reader.email]


def test_a_page_off_the_site_is_not_kept_as_the_reports_page(work, reader):
    made = report(reader, "work", work.pk, url="https://elsewhere.example/phish")
    assert made.url == f"/works/{work.pk}"


@pytest.mark.parametrize("target_type", ["chapter", "comment", "bookmark", "user"])
def test_user_and_guest_can_report_each_kind_of_target(target_type, work, reader, other_user):
    target_id = {
        "chapter": lambda: work.chapters.get().pk,
        "comment": lambda: make_comment(work, other_user).pk,
        "bookmark": lambda: make_bookmark(other_user, work).pk,
        "user": lambda: other_user.pk,
    }[target_type]()
    by_reader = report(reader, target_type, target_id)
    by_guest = report(GUEST, target_type, target_id)
    assert {r.reporter for r in (by_reader, by_guest)} == {reader, None}
    assert svc.reports_for(target_type, target_id).count() == 2


# Input --------------------------------------------------------------------------


def test_guest_must_give_an_email_address(work):
    with pytest.raises(ValidationError) as refused:
        report(GUEST, "work", work.pk, email="")
    assert refused.value.message_dict == {"email": [svc.EMAIL_REQUIRED]}
    with pytest.raises(ValidationError) as refused:
        report(GUEST, "work", work.pk, email="not an address")
    assert refused.value.message_dict == {"email": [svc.EMAIL_INVALID]}
    assert not Report.objects.exists()


def test_text_is_required_and_at_most_2000_characters(work, reader):
    with pytest.raises(ValidationError) as refused:
        report(reader, "work", work.pk, text="   ")
    assert refused.value.message_dict == {"text": [svc.TEXT_REQUIRED]}
    with pytest.raises(ValidationError) as refused:
        report(reader, "work", work.pk, text="x" * 2001)
    assert refused.value.message_dict == {"text": [svc.TEXT_TOO_LONG]}
    assert report(reader, "work", work.pk, text="x" * 2000).text == "x" * 2000


def test_category_must_be_one_of_the_list(work, reader):
    with pytest.raises(ValidationError) as refused:
        report(reader, "work", work.pk, category="boring")
    assert "category" in refused.value.message_dict


# Who may report what ------------------------------------------------------------------


def test_nobody_reports_a_draft_they_cannot_see(reader):
    draft = WorkFactory(posted=False)
    for who in (reader, GUEST):
        with pytest.raises(svc.ReportTargetMissing):
            report(who, "work", draft.pk)
    assert svc.report_target(viewer=reader, target_type="work", target_id=draft.pk) is None


def test_guest_cannot_report_a_restricted_work_but_a_user_can(reader):
    locked = WorkFactory(restricted=True)
    with pytest.raises(svc.ReportTargetMissing):
        report(GUEST, "work", locked.pk)
    assert report(reader, "work", locked.pk).target_id == locked.pk


def test_hidden_and_unposted_things_cannot_be_reported(work, reader, other_user):
    hidden_work = WorkFactory(hidden_by_admin=True)
    hidden_comment = make_comment(work, other_user, hidden_by_admin=True)
    deleted_comment = make_comment(work, other_user, deleted=True)
    private = make_bookmark(other_user, work, private=True)
    later = Chapter.objects.create(work=work, position=2, content="<p>Soon.</p>", posted=False)
    other_user.is_active = False
    other_user.save()
    for target_type, target_id in [("work", hidden_work.pk), ("comment", hidden_comment.pk),
                                   ("comment", deleted_comment.pk), ("bookmark", private.pk),
                                   ("chapter", later.pk), ("user", other_user.pk),
                                   ("news", 1), ("work", "abc"), ("work", 999999)]:
        with pytest.raises(svc.ReportTargetMissing):
            report(reader, target_type, target_id)
    assert not Report.objects.exists()


def test_own_content_is_refused(work, creator):
    mine = make_comment(work, creator)
    bookmark = make_bookmark(creator, work)
    cases = [("work", work.pk), ("chapter", work.chapters.get().pk), ("comment", mine.pk),
             ("bookmark", bookmark.pk), ("user", creator.pk)]
    for target_type, target_id in cases:
        with pytest.raises(ValidationError) as refused:
            report(creator, target_type, target_id)
        assert refused.value.messages == [svc.OWN_CONTENT[target_type]]
    assert not Report.objects.exists()


def test_a_creator_may_not_report_her_own_draft(creator):
    draft = WorkFactory(creator=creator, posted=False)
    with pytest.raises(ValidationError, match="your own work"):
        report(creator, "work", draft.pk)


# Duplicates and limits ---------------------------------------------------------------


def test_a_second_open_report_of_the_same_thing_is_refused(work, reader):
    report(reader, "work", work.pk)
    with pytest.raises(ValidationError) as refused:
        report(reader, "work", work.pk, category="other", text="Also this.")
    assert refused.value.messages == [svc.ALREADY_REPORTED]
    assert Report.objects.count() == 1
    # Someone else may still report it, and so may she once it was answered.
    report(UserFactory(), "work", work.pk)
    svc.reports_resolve(actor=None, target_type="work", target_id=work.pk,
                        status=ReportStatus.ACTIONED, resolution="Tags fixed.")
    assert report(reader, "work", work.pk).status == ReportStatus.OPEN


def test_a_guest_is_known_again_by_address_or_email(work):
    report(GUEST, "work", work.pk, email="pell@example.org", address=ADDRESS)
    with pytest.raises(ValidationError, match="already reported"):
        report(GUEST, "work", work.pk, email="other@example.org", address=ADDRESS)
    with pytest.raises(ValidationError, match="already reported"):
        report(GUEST, "work", work.pk, email="PELL@example.org", address="198.51.100.1")
    assert report(GUEST, "work", work.pk, email="sam@example.org",
                  address="198.51.100.1").reporter_email == "sam@example.org"


def test_ten_reports_an_hour_then_try_again_later(reader):
    works = [WorkFactory() for _ in range(11)]
    for each in works[:10]:
        report(reader, "work", each.pk)
    with pytest.raises(RateLimited) as limited:
        report(reader, "work", works[10].pk)
    assert 0 < limited.value.retry_after <= 3600
    assert "try again in" in limited.value.messages[0]
    assert Report.objects.count() == 10
    # Another reporter is not held back.
    assert report(UserFactory(), "work", works[10].pk)


def test_guests_are_limited_per_address(work):
    works = [WorkFactory() for _ in range(10)]
    for number, each in enumerate(works):
        report(GUEST, "work", each.pk, email=f"g{number}@example.org")
    with pytest.raises(RateLimited):
        report(GUEST, "work", work.pk, email="new@example.org")
    assert report(GUEST, "work", work.pk, email="new@example.org", address="198.51.100.7")


def test_one_target_is_reported_at_most_three_times_a_day_by_one_reader(work, reader):
    for _ in range(3):
        made = report(reader, "work", work.pk)
        svc.reports_resolve(actor=None, target_type="work", target_id=work.pk,
                            status=ReportStatus.ACTIONED, resolution="Looked at it.")
        assert made.pk
    with pytest.raises(RateLimited, match="several times today"):
        report(reader, "work", work.pk)


# Closing reports ----------------------------------------------------------------------


def test_resolving_closes_every_open_report_of_the_target_only(work, reader, make_admin):
    admin = make_admin("harbourmaster")
    other = WorkFactory()
    first = report(reader, "work", work.pk)
    second = report(GUEST, "work", work.pk)
    elsewhere = report(reader, "work", other.pk)
    closed = svc.reports_resolve(actor=admin, target_type="work", target_id=work.pk,
                                 status=ReportStatus.ACTIONED, resolution="Hidden.")
    assert closed == 2
    for each in (first, second):
        each.refresh_from_db()
        assert each.status == ReportStatus.ACTIONED
        assert each.resolved_by == admin and each.resolution == "Hidden."
        assert each.resolved_at is not None
    elsewhere.refresh_from_db()
    assert elsewhere.status == ReportStatus.OPEN
    # ACTIONED is part of the caller's action, which writes the audit entry.
    assert not AuditEntry.objects.exists()
    assert svc.reports_resolve(actor=admin, target_type="work", target_id=work.pk,
                               status=ReportStatus.DISMISSED, resolution="x") == 0


def test_dismissing_a_targets_reports_is_audited(work, reader, make_admin):
    admin = make_admin("harbourmaster", role="policy_abuse")
    made = report(reader, "work", work.pk)
    svc.reports_resolve(actor=admin, target_type="work", target_id=work.pk,
                        status=ReportStatus.DISMISSED, resolution="Tags are right.")
    made.refresh_from_db()
    assert made.status == ReportStatus.DISMISSED
    entry = AuditEntry.objects.get()
    assert entry.action == "report.dismiss" and entry.actor == admin
    assert (entry.target_type, entry.target_id) == (TargetType.WORK, work.pk)
    assert entry.after["reports"] == [made.pk] and entry.reason == "Tags are right."


def test_only_report_handlers_dismiss(work, reader, make_admin):
    made = report(reader, "work", work.pk)
    support = make_admin("helpdesk", role="support")
    with pytest.raises(PermissionDenied):
        svc.reports_resolve(actor=support, target_type="work", target_id=work.pk,
                            status=ReportStatus.DISMISSED, resolution="no")
    with pytest.raises(PermissionDenied):
        svc.report_dismiss(actor=support, report=made, reason="no")
    made.refresh_from_db()
    assert made.status == ReportStatus.OPEN and not AuditEntry.objects.exists()


def test_report_dismiss_closes_one_report_with_an_audit_entry(work, reader, make_admin):
    admin = make_admin("harbourmaster")
    made = report(reader, "work", work.pk)
    other = report(GUEST, "work", work.pk)
    svc.report_dismiss(actor=admin, report=made, reason="Not against the rules.")
    assert made.status == ReportStatus.DISMISSED
    made.refresh_from_db()
    other.refresh_from_db()
    assert made.status == ReportStatus.DISMISSED and made.resolution == "Not against the rules."
    assert other.status == ReportStatus.OPEN
    entry = AuditEntry.objects.get()
    assert entry.action == "report.dismiss" and entry.target_label == "The Salt Road"
    with pytest.raises(ValidationError, match="already been answered"):
        svc.report_dismiss(actor=admin, report=made, reason="again")
    assert AuditEntry.objects.count() == 1


def test_resolve_takes_only_actioned_or_dismissed(work):
    with pytest.raises(ValueError):
        svc.reports_resolve(actor=None, target_type="work", target_id=work.pk,
                            status=ReportStatus.OPEN, resolution="")
