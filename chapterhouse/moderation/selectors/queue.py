"""What the admin queue shows: open reports grouped by what they are about,
and one target's page (the content, its reports, its history, and what else
its creator has been doing).

Admins see everything (hidden, drafts, anonymous creators), so these reads
do not go through the visibility door: the views calling them sit behind
``access.admin_required(HANDLE_REPORTS)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.works.models import Chapter, Creatorship, Work
from chapterhouse.works.selectors.listing import Blurb, Page, blurb_queryset, blurbs, paginate
from chapterhouse.works.text import strip_html

from ..models import (
    AuditEntry,
    NewsComment,
    NewsPost,
    Report,
    ReportCategory,
    ReportStatus,
    Sanction,
    TargetType,
)

#: A comment on a news post.
NEWS_COMMENT = TargetType.NEWS_COMMENT
#: What the queue can be filtered by, and what a target's address may name.
TARGET_TYPE_CHOICES = [*TargetType.choices]
_TYPE_LABELS = dict(TARGET_TYPE_CHOICES)

#: Rows on a page of the queue.
QUEUE_PER_PAGE = 20
#: Characters of plain text a row's excerpt shows, and the detail page's.
EXCERPT_LENGTH = 240
DETAIL_EXCERPT_LENGTH = 2000
#: How much of the creator's other activity the detail page shows.
ACTIVITY_LIMIT = 5

_CATEGORY_LABELS = dict(ReportCategory.choices)


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The first ``length`` characters of ``text`` (plain), cut at a word."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return cut + "…"


@dataclass
class TargetSummary:
    """What a report is about, as one line of the queue shows it. ``exists`` is
    false once the content is gone (deleted by its creator or an admin)."""

    target_type: str
    target_id: int
    exists: bool = False
    title: str = ""
    excerpt: str = ""
    creators: list = field(default_factory=list)  # users
    creator_label: str = ""
    guest: bool = False
    hidden: bool = False
    spam: bool = False
    public_url: str = ""
    obj: object = None

    @property
    def key(self) -> str:
        return f"{self.target_type}:{self.target_id}"

    @property
    def admin_url(self) -> str:
        return f"/moderation/reports/{self.target_type}/{self.target_id}"

    @property
    def type_label(self) -> str:
        return _TYPE_LABELS.get(self.target_type, self.target_type)

    @property
    def creator(self) -> User | None:
        return self.creators[0] if self.creators else None


@dataclass
class QueueRow:
    target: TargetSummary
    report_count: int
    categories: list[str]
    newest: datetime


# Loading targets in bulk ----------------------------------------------------


def _creatorships() -> Prefetch:
    return Prefetch(
        "creatorships",
        queryset=Creatorship.objects.filter(accepted=True).select_related("pseud__user")
        .order_by("position", "pk"),
        to_attr="accepted_creatorships",
    )


def _work_creators(work: Work) -> tuple[list, str]:
    users, names = [], []
    for creatorship in work.accepted_creatorships:
        user = creatorship.pseud.user
        if user not in users:
            users.append(user)
        name = creatorship.pseud.name
        names.append(name if name == user.username else f"{name} ({user.username})")
    label = ", ".join(names) or "(no creator)"
    if work.anonymous:
        label += " — posted as Anonymous"
    return users, label


def _summarise_works(ids) -> dict[int, TargetSummary]:
    found = {}
    works = Work.objects.filter(pk__in=ids).only(
        "title", "summary", "hidden_by_admin", "anonymous", "posted"
    ).prefetch_related(_creatorships())
    for work in works:
        users, label = _work_creators(work)
        found[work.pk] = TargetSummary(
            TargetType.WORK, work.pk, exists=True, title=work.title,
            excerpt=excerpt(strip_html(work.summary)), creators=users, creator_label=label,
            hidden=work.hidden_by_admin, public_url=f"/works/{work.pk}", obj=work,
        )
    return found


def _summarise_chapters(ids) -> dict[int, TargetSummary]:
    found = {}
    chapters = Chapter.objects.filter(pk__in=ids).select_related("work").prefetch_related(
        Prefetch("work__creatorships", queryset=Creatorship.objects.filter(accepted=True)
                 .select_related("pseud__user").order_by("position", "pk"),
                 to_attr="accepted_creatorships")
    )
    for chapter in chapters:
        work = chapter.work
        users, label = _work_creators(work)
        name = f"Chapter {chapter.position}"
        if chapter.title:
            name += f": {chapter.title}"
        found[chapter.pk] = TargetSummary(
            TargetType.CHAPTER, chapter.pk, exists=True, title=f"{name} of {work.title}",
            excerpt=excerpt(strip_html(chapter.content)), creators=users, creator_label=label,
            hidden=work.hidden_by_admin,
            public_url=f"/works/{work.pk}/chapters/{chapter.pk}", obj=chapter,
        )
    return found


def _comment_summary(comment: Comment) -> TargetSummary:
    if comment.user_id:
        users = [comment.user]
        pseud = comment.pseud.name if comment.pseud_id else comment.user.username
        label = pseud if pseud == comment.user.username else f"{pseud} ({comment.user.username})"
    else:
        users, label = [], f"{comment.guest_name} (guest)"
    return TargetSummary(
        TargetType.COMMENT, comment.pk, exists=True, title=f"Comment on {comment.work.title}",
        excerpt=excerpt(strip_html(comment.content)), creators=users, creator_label=label,
        guest=not comment.user_id, hidden=comment.hidden_by_admin, spam=comment.spam,
        public_url=f"/comments/{comment.pk}", obj=comment,
    )


def _summarise_comments(ids) -> dict[int, TargetSummary]:
    comments = Comment.objects.filter(pk__in=ids, deleted=False).select_related(
        "user", "pseud", "work"
    )
    return {comment.pk: _comment_summary(comment) for comment in comments}


def _bookmark_title(bookmark: Bookmark) -> str:
    thing = bookmark.work or bookmark.series or bookmark.external_work
    return f"Bookmark of {thing.title}" if thing is not None else "Bookmark"


def _summarise_bookmarks(ids) -> dict[int, TargetSummary]:
    found = {}
    bookmarks = Bookmark.objects.filter(pk__in=ids).select_related(
        "user", "pseud", "work", "series", "external_work"
    )
    for bookmark in bookmarks:
        user = bookmark.user
        pseud = bookmark.pseud.name
        found[bookmark.pk] = TargetSummary(
            TargetType.BOOKMARK, bookmark.pk, exists=True, title=_bookmark_title(bookmark),
            excerpt=excerpt(strip_html(bookmark.notes)), creators=[user],
            creator_label=pseud if pseud == user.username else f"{pseud} ({user.username})",
            hidden=bookmark.hidden_by_admin, public_url=f"/bookmarks/{bookmark.pk}",
            obj=bookmark,
        )
    return found


def _summarise_users(ids) -> dict[int, TargetSummary]:
    found = {}
    for user in User.objects.filter(pk__in=ids).select_related("profile"):
        profile = getattr(user, "profile", None)
        found[user.pk] = TargetSummary(
            TargetType.USER, user.pk, exists=True, title=user.username,
            excerpt=excerpt(strip_html(profile.about)) if profile else "",
            creators=[user], creator_label=user.username,
            public_url=f"/users/{user.username}", obj=user,
        )
    return found


def _summarise_news(ids) -> dict[int, TargetSummary]:
    return {
        post.pk: TargetSummary(
            TargetType.NEWS, post.pk, exists=True, title=post.title,
            excerpt=excerpt(strip_html(post.content)),
            creators=[post.author] if post.author else [],
            creator_label=post.author.username if post.author else "(admin)",
            public_url=f"/admin_posts/{post.pk}", obj=post,
        )
        for post in NewsPost.objects.filter(pk__in=ids).select_related("author")
    }


def _summarise_news_comments(ids) -> dict[int, TargetSummary]:
    return {
        comment.pk: TargetSummary(
            NEWS_COMMENT, comment.pk, exists=True, title=f"Comment on news: {comment.post.title}",
            excerpt=excerpt(strip_html(comment.content)), creators=[comment.user],
            creator_label=comment.user.username, hidden=comment.hidden_by_admin,
            public_url=f"/admin_posts/{comment.post_id}#comment_{comment.pk}", obj=comment,
        )
        for comment in NewsComment.objects.filter(pk__in=ids).select_related("user", "post")
    }


_SUMMARISERS = {
    TargetType.WORK: _summarise_works,
    TargetType.CHAPTER: _summarise_chapters,
    TargetType.COMMENT: _summarise_comments,
    TargetType.BOOKMARK: _summarise_bookmarks,
    TargetType.USER: _summarise_users,
    TargetType.NEWS: _summarise_news,
    NEWS_COMMENT: _summarise_news_comments,
}


def targets_summarise(pairs) -> dict[tuple[str, int], TargetSummary]:
    """``{(type, id): TargetSummary}`` for every pair, one query (or two) per
    type; a target that is gone gets a summary with ``exists`` false."""
    by_type: dict[str, set[int]] = defaultdict(set)
    for target_type, target_id in pairs:
        by_type[target_type].add(target_id)
    found: dict[tuple[str, int], TargetSummary] = {}
    for target_type, ids in by_type.items():
        summarise = _SUMMARISERS.get(target_type)
        loaded = summarise(ids) if summarise else {}
        for target_id in ids:
            found[(target_type, target_id)] = loaded.get(target_id) or TargetSummary(
                target_type, target_id, title="(deleted)"
            )
    return found


# The queue ------------------------------------------------------------------


def valid_target_type(value) -> str | None:
    return value if value in _TYPE_LABELS else None


def valid_status(value) -> str:
    return value if value in ReportStatus.values else ReportStatus.OPEN


def open_report_counts() -> list[dict]:
    """For the dashboard: per target type, open reports and reported targets
    (every type, zeros included), in ``TargetType`` order."""
    rows = {
        row["target_type"]: row
        for row in Report.objects.filter(status=ReportStatus.OPEN).order_by()
        .values("target_type")
        .annotate(reports=Count("pk"), targets=Count("target_id", distinct=True))
    }
    return [
        {
            "target_type": value,
            "label": label,
            "reports": rows.get(value, {}).get("reports", 0),
            "targets": rows.get(value, {}).get("targets", 0),
        }
        for value, label in TARGET_TYPE_CHOICES
    ]


def _pairs_q(pairs) -> Q:
    by_type: dict[str, list[int]] = defaultdict(list)
    for target_type, target_id in pairs:
        by_type[target_type].append(target_id)
    query = Q(pk__in=[])
    for target_type, ids in by_type.items():
        query |= Q(target_type=target_type, target_id__in=ids)
    return query


def report_groups(*, status: str = ReportStatus.OPEN, target_type: str | None = None) -> QuerySet:
    """Reports with ``status`` grouped by target: ``target_type``, ``target_id``,
    ``report_count``, ``newest``; the target reported most recently first."""
    reports = Report.objects.filter(status=status)
    if target_type:
        reports = reports.filter(target_type=target_type)
    return (
        reports.order_by().values("target_type", "target_id")
        .annotate(report_count=Count("pk"), newest=Max("created_at"))
        .order_by("-newest", "target_type", "-target_id")
    )


def queue_page(*, status: str = ReportStatus.OPEN, target_type: str | None = None,
               page=1) -> Page:
    """A page of ``QueueRow``: one per reported target, in a fixed number of
    queries whatever the page holds."""

    def prepare(groups) -> list[QueueRow]:
        pairs = [(g["target_type"], g["target_id"]) for g in groups]
        if not pairs:
            return []
        categories: dict[tuple[str, int], set[str]] = defaultdict(set)
        for kind, target_id, category in (
            Report.objects.filter(_pairs_q(pairs), status=status).order_by()
            .values_list("target_type", "target_id", "category").distinct()
        ):
            categories[(kind, target_id)].add(category)
        summaries = targets_summarise(pairs)
        return [
            QueueRow(
                target=summaries[(g["target_type"], g["target_id"])],
                report_count=g["report_count"],
                categories=sorted(
                    _CATEGORY_LABELS.get(c, c)
                    for c in categories[(g["target_type"], g["target_id"])]
                ),
                newest=g["newest"],
            )
            for g in groups
        ]

    return paginate(
        report_groups(status=status, target_type=target_type), page,
        per_page=QUEUE_PER_PAGE, prepare=prepare,
    )


# One target -----------------------------------------------------------------


@dataclass
class CreatorActivity:
    """What else the creator has done lately, and her active sanctions."""

    user: User
    works: list
    comments: list
    bookmarks: list
    sanctions: list


@dataclass
class TargetDetail:
    target: TargetSummary
    open_reports: list
    earlier_reports: list
    history: list  # AuditEntry, newest first
    work_blurb: Blurb | None = None
    text_excerpt: str = ""  # plain text: a work's first chapter, a chapter
    content_html: str = ""  # sanitised HTML: a comment, bookmark notes, a profile
    activity: list = field(default_factory=list)  # CreatorActivity per creator
    guest_comments: list = field(default_factory=list)  # same guest's other comments

    @property
    def reports(self) -> list:
        return self.open_reports + self.earlier_reports


def sanctions_active(users) -> dict[int, list[Sanction]]:
    """Each user's sanctions in force: not lifted, and not ended (a suspension
    past ``until``) — warnings included until lifted."""
    now = timezone.now()
    found: dict[int, list[Sanction]] = defaultdict(list)
    for sanction in Sanction.objects.filter(
        user__in=users, lifted_at__isnull=True
    ).filter(Q(until__isnull=True) | Q(until__gt=now)):
        found[sanction.user_id].append(sanction)
    return found


def creator_activity(users) -> list[CreatorActivity]:
    users = [u for u in users if u is not None]
    if not users:
        return []
    sanctions = sanctions_active(users)
    found = []
    for user in users:
        works = (
            Work.objects.filter(creatorships__pseud__user=user, creatorships__accepted=True)
            .distinct().only("title", "posted", "hidden_by_admin", "created_at")
            .order_by("-created_at", "-pk")[:ACTIVITY_LIMIT]
        )
        comments = (
            Comment.objects.filter(user=user).select_related("work", "user", "pseud")
            .order_by("-created_at", "-pk")[:ACTIVITY_LIMIT]
        )
        bookmarks = (
            Bookmark.objects.filter(user=user)
            .select_related("work", "series", "external_work")
            .order_by("-created_at", "-pk")[:ACTIVITY_LIMIT]
        )
        found.append(CreatorActivity(
            user=user, works=list(works),
            comments=[_comment_summary(c) for c in comments],
            bookmarks=[(b, _bookmark_title(b)) for b in bookmarks],
            sanctions=sanctions.get(user.pk, []),
        ))
    return found


def _first_chapter_text(work: Work) -> str:
    chapter = work.chapters.order_by("position", "pk").only("content").first()
    return excerpt(strip_html(chapter.content), DETAIL_EXCERPT_LENGTH) if chapter else ""


def target_detail(*, target_type: str, target_id: int) -> TargetDetail | None:
    """Everything the admin's page of one target shows; ``None`` for a type
    that reports cannot have."""
    if not valid_target_type(target_type):
        return None
    summary = targets_summarise([(target_type, target_id)])[(target_type, target_id)]
    reports = list(
        Report.objects.filter(target_type=target_type, target_id=target_id)
        .select_related("reporter", "resolved_by").order_by("-created_at", "-pk")
    )
    detail = TargetDetail(
        target=summary,
        open_reports=[r for r in reports if r.status == ReportStatus.OPEN],
        earlier_reports=[r for r in reports if r.status != ReportStatus.OPEN],
        history=list(AuditEntry.objects.filter(target_type=target_type, target_id=target_id)),
    )
    obj = summary.obj
    if obj is None:
        return detail
    if target_type == TargetType.WORK:
        detail.work_blurb = blurbs(blurb_queryset(Work.objects.filter(pk=obj.pk)))[0]
        detail.text_excerpt = _first_chapter_text(obj)
    elif target_type == TargetType.CHAPTER:
        detail.text_excerpt = excerpt(strip_html(obj.content), DETAIL_EXCERPT_LENGTH)
    elif target_type == TargetType.COMMENT:
        detail.content_html = obj.content
        detail.guest_comments = _guest_comments(obj)
    elif target_type == TargetType.BOOKMARK:
        detail.content_html = obj.notes
    elif target_type == TargetType.USER:
        profile = getattr(obj, "profile", None)
        detail.content_html = profile.about if profile else ""
    elif target_type in (TargetType.NEWS, NEWS_COMMENT):
        detail.content_html = obj.content
    detail.activity = creator_activity(summary.creators)
    return detail


def _guest_comments(comment: Comment) -> list[TargetSummary]:
    """A guest's other comments: from the same address or e-mail (spam waves)."""
    if comment.user_id:
        return []
    same = Q(pk__in=[])
    if comment.guest_ip:
        same |= Q(guest_ip=comment.guest_ip)
    if comment.guest_email:
        same |= Q(guest_email__iexact=comment.guest_email)
    others = (
        Comment.objects.filter(same, user__isnull=True).exclude(pk=comment.pk)
        .select_related("work").order_by("-created_at", "-pk")[:ACTIVITY_LIMIT * 2]
    )
    return [_comment_summary(c) for c in others]


def type_label(target_type: str) -> str:
    return _TYPE_LABELS.get(target_type, target_type)
