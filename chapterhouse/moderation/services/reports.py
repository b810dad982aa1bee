"""Reports: anyone may tell the admins about a work, chapter, comment,
bookmark or user (see docs/moderation-reports.md).

- ``report_target`` finds what is reported, through the visibility doors of
  works, chapters, comments and bookmarks: what the reporter may not see
  cannot be reported (the page answers 404).
- ``report_create`` is the one door for a new report: it refuses one's own
  content, a second open report of the same thing by the same reporter, and
  too many reports in a short time (``RateLimited``); it stores the report and,
  once the transaction commits, mails the reporter an acknowledgement.
- ``reports_for``, ``reports_resolve`` and ``report_dismiss`` are for the
  admins' queue and content actions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.responses.models import Bookmark
from chapterhouse.responses.selectors.bookmarks import bookmarks_visible_to
from chapterhouse.responses.selectors.comments import comment_for
from chapterhouse.web.ratelimit import rate_limit_check, rate_limit_record
from chapterhouse.works.models import Chapter, Creatorship, Work
from chapterhouse.works.selectors.visibility import (
    can_view_work,
    chapters_visible_to,
    signed_in_user,
)
from chapterhouse.works.text import strip_html

from ..audit import audit_record
from ..models import Report, ReportCategory, ReportStatus, TargetType
from ..roles import HANDLE_REPORTS, can
from ..targets import target_object

log = logging.getLogger(__name__)

#: What may be reported (news posts are the admins' own).
REPORTABLE = (TargetType.WORK, TargetType.CHAPTER, TargetType.COMMENT, TargetType.BOOKMARK,
              TargetType.USER)
TEXT_MAX = 2000
URL_MAX = 500
#: How many words of a comment the report page shows.
EXCERPT_WORDS = 30

#: Reports per reporter (a user, or a guest's address).
REPORT_RATE = {"count": 10, "window": 3600}
REPORT_SCOPE = "report"
REPORT_LIMITED = (
    "You have sent a lot of reports in a short time. Please try again in {wait}; "
    "the admins are reading the ones you sent."
)
#: Reports of one target by one reporter (open or already answered).
TARGET_RATE = {"count": 3, "window": 24 * 3600}
TARGET_SCOPE = "report-target"
TARGET_LIMITED = (
    "You have reported this several times today. Please try again in {wait}."
)

ALREADY_REPORTED = "You have already reported this; admins will look at it."
TEXT_REQUIRED = "Please tell us what is wrong."
TEXT_TOO_LONG = f"Please keep your report to {TEXT_MAX:,} characters."
EMAIL_REQUIRED = "Please give an email address so that we can answer you."
EMAIL_INVALID = "Please give a valid email address."
CATEGORY_INVALID = "Please choose what kind of problem this is."
OWN_CONTENT = {
    TargetType.WORK: "You can't report your own work. You can edit or delete it instead.",
    TargetType.CHAPTER: "You can't report a chapter of your own work. "
                        "You can edit or delete it instead.",
    TargetType.COMMENT: "You can't report your own comment. You can edit or delete it instead.",
    TargetType.BOOKMARK: "You can't report your own bookmark. "
                         "You can edit or delete it instead.",
    TargetType.USER: "You can't report yourself.",
}


class ReportTargetMissing(ObjectDoesNotExist):
    """No such target, or the reporter may not see it."""


@dataclass(frozen=True)
class ReportTarget:
    """What a report is about, as the report page and the mail name it."""

    target_type: str
    target_id: int
    obj: object
    #: "work", "chapter", … as a sentence says it.
    noun: str
    #: The title, "Chapter 2 of <title>", "Comment on <title>", the user name.
    label: str
    #: Where it is on the site.
    link: str
    #: The first words of a comment (empty for other targets).
    excerpt: str = ""
    #: The users whose content it is (they may not report it).
    owner_ids: frozenset[int] = field(default_factory=frozenset)


def _creator_ids(work: Work) -> frozenset[int]:
    return frozenset(
        Creatorship.objects.filter(work=work, accepted=True).values_list("pseud__user_id",
                                                                          flat=True)
    )


def _excerpt(html: str) -> str:
    words = strip_html(html).split()
    text = " ".join(words[:EXCERPT_WORDS])
    return text + ("…" if len(words) > EXCERPT_WORDS else "")


def _work_target(viewer, target_id: int) -> ReportTarget | None:
    work = Work.objects.filter(pk=target_id).first()
    if work is None or not can_view_work(viewer, work):
        return None
    return ReportTarget(TargetType.WORK, work.pk, work, "work", work.title,
                        f"/works/{work.pk}", owner_ids=_creator_ids(work))


def _chapter_target(viewer, target_id: int) -> ReportTarget | None:
    chapter = Chapter.objects.select_related("work").filter(pk=target_id).first()
    if chapter is None or not can_view_work(viewer, chapter.work):
        return None
    work = chapter.work
    if not chapters_visible_to(viewer, work).filter(pk=chapter.pk).exists():
        return None
    label = f"Chapter {chapter.position}"
    if chapter.title:
        label += f": {chapter.title}"
    return ReportTarget(TargetType.CHAPTER, chapter.pk, chapter, "chapter",
                        f"{label} of {work.title}", f"/works/{work.pk}/chapters/{chapter.pk}",
                        owner_ids=_creator_ids(work))


def _comment_target(viewer, target_id: int) -> ReportTarget | None:
    comment = comment_for(viewer=viewer, comment_id=target_id)
    if comment is None or comment.deleted:
        return None
    owners = frozenset({comment.user_id}) if comment.user_id else frozenset()
    return ReportTarget(TargetType.COMMENT, comment.pk, comment, "comment",
                        f"Comment on {comment.work.title}", f"/comments/{comment.pk}",
                        excerpt=_excerpt(comment.content), owner_ids=owners)


def _bookmark_target(viewer, target_id: int) -> ReportTarget | None:
    bookmark = (
        bookmarks_visible_to(viewer, Bookmark.objects.filter(pk=target_id))
        .select_related("pseud", "work", "series", "external_work")
        .first()
    )
    if bookmark is None:
        return None
    item = bookmark.work or bookmark.series or bookmark.external_work
    title = getattr(item, "title", "") or "(gone)"
    return ReportTarget(TargetType.BOOKMARK, bookmark.pk, bookmark, "bookmark",
                        f"Bookmark of {title} by {bookmark.pseud.name}",
                        f"/bookmarks/{bookmark.pk}", excerpt=_excerpt(bookmark.notes),
                        owner_ids=frozenset({bookmark.user_id}))


def _user_target(viewer, target_id: int) -> ReportTarget | None:
    person = User.objects.filter(pk=target_id, is_active=True).first()
    if person is None:
        return None
    return ReportTarget(TargetType.USER, person.pk, person, "user", person.username,
                        f"/users/{person.username}", owner_ids=frozenset({person.pk}))


_FINDERS = {
    TargetType.WORK: _work_target,
    TargetType.CHAPTER: _chapter_target,
    TargetType.COMMENT: _comment_target,
    TargetType.BOOKMARK: _bookmark_target,
    TargetType.USER: _user_target,
}


#: The longest link the "what to report" page reads.
LINK_MAX = 2000
_LINKED = (
    (re.compile(r"^/(?:works/\d+/)?chapters/(\d+)(?:/|$)"), TargetType.CHAPTER),
    (re.compile(r"^/works/(\d+)(?:/|$)"), TargetType.WORK),
    (re.compile(r"^/comments/(\d+)(?:/|$)"), TargetType.COMMENT),
    (re.compile(r"^/bookmarks/(\d+)(?:/|$)"), TargetType.BOOKMARK),
)
_USER_LINK = re.compile(r"^/users/([^/]+)(?:/|$)")


def target_from_link(link: str) -> tuple[str, int] | None:
    """The report target a link to a page of this site names — a work,
    chapter, comment, bookmark or profile — as (type, id), or None. Whether
    the reporter may see it is checked by ``report_target`` afterwards."""
    path = urlsplit(link.strip()[:LINK_MAX]).path
    for pattern, target_type in _LINKED:
        matched = pattern.match(path)
        if matched:
            return target_type, int(matched.group(1))
    matched = _USER_LINK.match(path)
    if matched:
        user = user_by_name(unquote(matched.group(1)))
        if user is not None:
            return TargetType.USER, user.pk
    return None


def report_target(*, viewer, target_type: str, target_id) -> ReportTarget | None:
    """What ``viewer`` would report, or None when there is no such thing or she
    may not see it (a draft, a restricted work for a guest, a hidden comment…)."""
    finder = _FINDERS.get(target_type)
    try:
        target_id = int(target_id)
    except (TypeError, ValueError):
        return None
    if finder is None or target_id <= 0:
        return None
    return finder(viewer, target_id)


def own_content_refusal(*, viewer, target: ReportTarget) -> str | None:
    """Why ``viewer`` may not report ``target`` (it is hers), or None."""
    user = signed_in_user(viewer)
    if user is not None and user.pk in target.owner_ids:
        return OWN_CONTENT[target.target_type]
    return None


def _open_reports_by(*, reporter, target: ReportTarget, email: str = "",
                     address: str | None = None) -> QuerySet[Report]:
    reports = Report.objects.filter(target_type=target.target_type, target_id=target.target_id,
                                    status=ReportStatus.OPEN)
    user = signed_in_user(reporter)
    if user is not None:
        return reports.filter(reporter=user)
    same = Q(pk__in=[])
    if address:
        same |= Q(reporter_address=address)
    if email:
        same |= Q(reporter_email__iexact=email)
    return reports.filter(same, reporter__isnull=True)


def already_reported(*, reporter, target: ReportTarget, email: str = "",
                     address: str | None = None) -> bool:
    """Does this reporter already have an open report of ``target``?"""
    return _open_reports_by(reporter=reporter, target=target, email=email,
                            address=address).exists()


def _who(reporter, address: str | None) -> str:
    user = signed_in_user(reporter)
    return f"user:{user.pk}" if user is not None else f"addr:{address or 'unknown'}"


def report_rate_check(*, reporter, address: str | None = None,
                      target: ReportTarget | None = None) -> None:
    """Raise ``RateLimited`` when the reporter has sent too many reports (of
    this target, when given) lately. Records nothing."""
    who = _who(reporter, address)
    rate_limit_check(scope=REPORT_SCOPE, who=who, message=REPORT_LIMITED, **REPORT_RATE)
    if target is not None:
        rate_limit_check(scope=TARGET_SCOPE, who=f"{who}:{target.target_type}:{target.target_id}",
                         message=TARGET_LIMITED, **TARGET_RATE)


def _rate_record(*, reporter, address: str | None, target: ReportTarget) -> None:
    who = _who(reporter, address)
    rate_limit_record(scope=REPORT_SCOPE, who=who, **REPORT_RATE)
    rate_limit_record(scope=TARGET_SCOPE, who=f"{who}:{target.target_type}:{target.target_id}",
                      **TARGET_RATE)


def _clean_url(url: str, fallback: str) -> str:
    """A path on this site (the page the report was made from), else ``fallback``."""
    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return fallback
    return url[:URL_MAX]


def _clean_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    errors = []
    if not text:
        errors.append(TEXT_REQUIRED)
    elif len(text) > TEXT_MAX:
        errors.append(TEXT_TOO_LONG)
    if errors:
        raise ValidationError({"text": errors})
    return text


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": [EMAIL_REQUIRED]})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": [EMAIL_INVALID]}) from None
    return email


def reporter_email(reporter) -> str:
    """Where the acknowledgement goes for a signed-in reporter: her primary
    address (allauth's), else the one on the account."""
    primary = (
        EmailAddress.objects.filter(user=reporter, primary=True).values_list("email", flat=True)
        .first()
    )
    return primary or reporter.email or ""


def report_create(*, reporter, target_type: str, target_id, category: str, text: str,
                  email: str = "", address: str | None = None, url: str = "") -> Report:
    """Store a report from ``reporter`` (a user, or AnonymousUser/None for a
    guest, who must give ``email``) and mail her an acknowledgement.

    Raises ``ReportTargetMissing`` when the reporter may not see the target,
    ``RateLimited`` when she has reported too much lately, and
    ``ValidationError`` for her own content, a second open report of the same
    target, or bad input (keyed by field: ``category``, ``text``, ``email``).
    """
    target = report_target(viewer=reporter, target_type=target_type, target_id=target_id)
    if target is None:
        raise ReportTargetMissing("There is nothing to report here.")
    refusal = own_content_refusal(viewer=reporter, target=target)
    if refusal:
        raise ValidationError(refusal, code="own_content")
    user = signed_in_user(reporter)
    errors: dict[str, list[str]] = {}
    if category not in ReportCategory.values:
        errors["category"] = [CATEGORY_INVALID]
    try:
        text = _clean_text(text)
    except ValidationError as error:
        errors.update(error.message_dict)
    if user is None:
        try:
            email = _clean_email(email)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    if already_reported(reporter=reporter, target=target, email=email if user is None else "",
                        address=address if user is None else None):
        raise ValidationError(ALREADY_REPORTED, code="duplicate")
    report_rate_check(reporter=reporter, address=address, target=target)
    with transaction.atomic():
        report = Report.objects.create(
            target_type=target.target_type,
            target_id=target.target_id,
            reporter=user,
            reporter_email="" if user is not None else email,
            reporter_address=address or None,
            category=category,
            text=text,
            url=_clean_url(url, target.link),
        )
        recipient = reporter_email(user) if user is not None else email
        if recipient:
            _acknowledgement_queue(report=report, target=target, to=recipient)
    _rate_record(reporter=reporter, address=address, target=target)
    return report


def acknowledgement_text(*, report: Report, target: ReportTarget) -> str:
    """The mail to the reporter: her report arrived, what it was about, what next."""
    category = ReportCategory(report.category).label
    quoted = f"> {target.excerpt}\n" if target.excerpt else ""
    return (
        f"Thank you. Your report (#{report.pk}) reached the admins of {settings.SITE_NAME}.\n"
        f"\n"
        f"You reported the {target.noun}: {target.label}\n"
        f"{quoted}"
        f"{settings.SITE_URL}{target.link}\n"
        f"Problem: {category}\n"
        f"\n"
        f"What you wrote:\n"
        f"{report.text}\n"
        f"\n"
        f"An admin will read your report and act on it if it breaks the rules of the site. "
        f"We may not be able to tell you what we did, but every report is read.\n"
    )


def _acknowledgement_queue(*, report: Report, target: ReportTarget, to: str) -> None:
    """Queue the acknowledgement in the report's transaction: the task row is
    written with the report or not at all, and the worker sends it (retrying
    while the mail server is away)."""
    from ..tasks import report_acknowledgement_task

    report_acknowledgement_task.enqueue(
        to,
        f"[{settings.SITE_NAME}] Your report (#{report.pk}) reached the admins",
        acknowledgement_text(report=report, target=target),
    )


# For the admins ------------------------------------------------------------------


def reports_for(target_type: str, target_id) -> QuerySet[Report]:
    """Every report of one target, newest first (open and answered)."""
    return Report.objects.filter(target_type=target_type, target_id=int(target_id)) \
        .select_related("reporter", "resolved_by")


def reports_resolve(*, actor, target_type: str, target_id, status: str,
                    resolution: str) -> int:
    """Mark every OPEN report of a target ``status`` (ACTIONED or DISMISSED),
    by ``actor``, with ``resolution`` (a short sentence). Returns how many.

    ACTIONED is for the services of admin actions (hide, delete, mark spam,
    sanction): they call it inside their own transaction and their own audit
    entry covers it. DISMISSED is an admin action of its own (the queue's
    "dismiss"): it needs ``HANDLE_REPORTS`` and writes a "report.dismiss"
    audit entry when it closed anything, so callers write none."""
    if status not in (ReportStatus.ACTIONED, ReportStatus.DISMISSED):
        raise ValueError(f"A report is resolved as actioned or dismissed, not {status!r}.")
    dismissing = status == ReportStatus.DISMISSED
    if dismissing and not can(actor, HANDLE_REPORTS):
        raise PermissionDenied("Only admins who handle reports may dismiss them.")
    target_id = int(target_id)
    resolution = (resolution or "")[:200]
    with transaction.atomic():
        ids = sorted(
            Report.objects.select_for_update()
            .filter(target_type=target_type, target_id=target_id, status=ReportStatus.OPEN)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Report.objects.filter(pk__in=ids).update(
            status=status,
            resolved_at=timezone.now(),
            resolved_by=actor if getattr(actor, "pk", None) else None,
            resolution=resolution,
        )
        if dismissing:
            audit_record(
                actor=actor, action="report.dismiss",
                target=target_object(target_type, target_id),
                before={"reports": ids, "status": ReportStatus.OPEN,
                        "target_type": target_type, "target_id": target_id},
                after={"reports": ids, "status": ReportStatus.DISMISSED},
                reason=resolution,
            )
    return len(ids)


def report_dismiss(*, actor, report: Report, reason: str) -> Report:
    """Close one open report without acting on its target (admins who handle
    reports only), with an audit entry."""
    if not can(actor, HANDLE_REPORTS):
        raise PermissionDenied("Only admins who handle reports may dismiss them.")
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.OPEN:
            raise ValidationError("This report has already been answered.")
        locked.status = ReportStatus.DISMISSED
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = (reason or "Dismissed")[:200]
        locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
        audit_record(
            actor=actor, action="report.dismiss",
            target=target_object(locked.target_type, locked.target_id),
            before={"reports": [locked.pk], "status": ReportStatus.OPEN,
                    "target_type": locked.target_type, "target_id": locked.target_id},
            after={"reports": [locked.pk], "status": ReportStatus.DISMISSED},
            reason=reason,
        )
    for name in ("status", "resolved_at", "resolved_by", "resolution"):
        setattr(report, name, getattr(locked, name))
    return report
