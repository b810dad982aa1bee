"""Reads about users for moderation: the sanctions in force on someone (one
query; the banner on every page and the write checks use it), and what the
admin page about a user shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from ..models import AdminNote, Report, Sanction, SanctionKind, TargetType
from ..roles import Role, roles_of

#: Kinds that stop a user writing while in force.
BLOCKING_KINDS = (SanctionKind.SUSPENSION, SanctionKind.BAN, SanctionKind.SPAM_BAN)
#: How many recent works, comments and bookmarks the admin page lists.
RECENT = 10


def active_sanctions(user, *, fresh: bool = False) -> list[Sanction]:
    """Sanctions in force on ``user``, newest first: suspensions not yet ended,
    bans, and warnings she has not acknowledged. Lifted ones never count.
    One query; kept on the user object (so once per request) unless ``fresh``."""
    if not getattr(user, "is_authenticated", False):
        return []
    if not fresh and hasattr(user, "_moderation_sanctions"):
        return user._moderation_sanctions
    found = list(
        Sanction.objects.filter(user_id=user.pk, lifted_at__isnull=True).filter(
            Q(kind=SanctionKind.WARNING, acknowledged_at__isnull=True)
            | Q(kind__in=[SanctionKind.BAN, SanctionKind.SPAM_BAN])
            | Q(kind=SanctionKind.SUSPENSION, until__gt=timezone.now())
        )
    )
    user._moderation_sanctions = found
    return found


def blocking_sanction(sanctions) -> Sanction | None:
    """The one that explains why she may not write: a ban before any
    suspension, else the suspension that ends last."""
    bans = [s for s in sanctions if s.kind in (SanctionKind.BAN, SanctionKind.SPAM_BAN)]
    if bans:
        return bans[0]
    suspensions = [s for s in sanctions if s.kind == SanctionKind.SUSPENSION]
    return max(suspensions, key=lambda s: s.until) if suspensions else None


def unread_warnings(sanctions) -> list[Sanction]:
    return [s for s in sanctions if s.kind == SanctionKind.WARNING]


@dataclass
class UserOverview:
    user: object
    roles: list[Role]
    work_count: int
    comment_count: int
    bookmark_count: int
    recent_works: list
    recent_comments: list
    recent_bookmarks: list
    sanctions: list[Sanction]
    in_force: Sanction | None
    notes: list[AdminNote]
    reports: list[Report]
    spam_banned_before: bool = False


def users_search(query: str, *, limit: int = 50) -> list:
    """Accounts whose name or email address contains ``query`` (exact matches first)."""
    from chapterhouse.accounts.models import User

    query = (query or "").strip()
    if not query:
        return []
    found = list(
        User.objects.filter(Q(username__icontains=query) | Q(email__icontains=query))
        .order_by("username")[:limit]
    )
    lowered = query.lower()
    found.sort(key=lambda u: (u.username.lower() != lowered and u.email.lower() != lowered))
    return found


def user_overview(user) -> UserOverview:
    """What the admin page about ``user`` shows: her account, roles, what she
    made (hidden and draft works included: admins see everything), her
    sanctions (lifted ones too), admins' notes and reports about her and her things."""
    from chapterhouse.responses.models import Bookmark, Comment
    from chapterhouse.works.models import Work

    works = Work.objects.filter(creatorships__pseud__user=user).distinct()
    comments = Comment.objects.filter(user=user)
    bookmarks = Bookmark.objects.filter(user=user)
    work_ids = list(works.values_list("pk", flat=True))
    comment_ids = list(comments.values_list("pk", flat=True))
    bookmark_ids = list(bookmarks.values_list("pk", flat=True))
    sanctions = list(Sanction.objects.filter(user=user).select_related("created_by", "lifted_by"))
    reports = list(
        Report.objects.filter(
            Q(target_type=TargetType.USER, target_id=user.pk)
            | Q(target_type=TargetType.WORK, target_id__in=work_ids)
            | Q(target_type=TargetType.COMMENT, target_id__in=comment_ids)
            | Q(target_type=TargetType.BOOKMARK, target_id__in=bookmark_ids)
        ).select_related("reporter")[:50]
    )
    now = timezone.now()
    in_force = blocking_sanction([
        s for s in sanctions if s.lifted_at is None and s.kind in BLOCKING_KINDS
        and (s.kind != SanctionKind.SUSPENSION or s.until > now)
    ])
    return UserOverview(
        user=user,
        roles=roles_of(user),
        work_count=len(work_ids),
        comment_count=len(comment_ids),
        bookmark_count=len(bookmark_ids),
        recent_works=list(works.order_by("-created_at", "-pk")[:RECENT]),
        recent_comments=list(comments.select_related("work").order_by("-created_at", "-pk")
                             [:RECENT]),
        recent_bookmarks=list(bookmarks.select_related("work", "series", "external_work")
                              .order_by("-created_at", "-pk")[:RECENT]),
        sanctions=sanctions,
        in_force=in_force,
        notes=list(AdminNote.objects.filter(user=user).select_related("author")),
        reports=reports,
        spam_banned_before=any(s.kind == SanctionKind.SPAM_BAN for s in sanctions),
    )


def user_for_admin(username: str):
    """The account with this name (any letter case), active or not."""
    from chapterhouse.accounts.models import User

    return User.objects.filter(username__iexact=username).first()
