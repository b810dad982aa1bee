"""Warnings, suspensions and bans, and admins' notes on users.

Every admin action here checks the actor's permission (``roles.can``) and
writes an audit entry in the same transaction. The rules (docs/moderation-users.md):

- a warning is shown to the user on her pages until she says she has read it;
- a suspended user (until a time) or a banned user (indefinitely) may still
  read, but may not post works or chapters, comment, leave kudos or bookmark:
  ``sanction_check`` refuses those writes, with why and until when;
- a spam-ban is a ban that also hides everything the user made (works,
  comments, bookmarks, news comments). Lifting it later does not un-hide them;
- lifting (``user_unsuspend``) ends every suspension and ban in force.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ..audit import audit_record
from ..guards import WriteRefused
from ..models import AdminNote, Sanction, SanctionKind
from ..roles import SANCTION_USERS, VIEW_USER_DETAILS, can, is_admin
from ..selectors.users import BLOCKING_KINDS, active_sanctions, blocking_sanction

#: The longest suspension an admin may give, in days (ten years).
MAX_SUSPENSION_DAYS = 3650


def until_text(moment: datetime.datetime) -> str:
    """A suspension's end as users read it: "28 Nov 2026 14:00 UTC"."""
    return moment.astimezone(datetime.UTC).strftime("%d %b %Y %H:%M UTC")


def _sentence(reason: str) -> str:
    """The reason as a sentence: ends with a full stop unless it has one (or ! or ?)."""
    reason = reason.strip()
    return reason if reason.endswith((".", "!", "?")) else f"{reason}."


def refusal_message(sanction: Sanction) -> str:
    """What a suspended or banned user is told when a write is refused."""
    if sanction.kind == SanctionKind.SUSPENSION:
        return (f"Your account is suspended until {until_text(sanction.until)}: "
                f"{_sentence(sanction.reason)} You can still read.")
    return f"Your account has been banned: {_sentence(sanction.reason)}"


def sanction_check(*, user, action: str) -> None:
    """Raise ``guards.WriteRefused`` (with why and until when) if ``user`` may not
    do ``action`` because of an active suspension or ban."""
    if not getattr(user, "is_authenticated", False):
        return
    sanction = blocking_sanction(active_sanctions(user, fresh=True))
    if sanction is not None:
        raise WriteRefused(refusal_message(sanction))


# Admin actions -----------------------------------------------------------------------


def _state(user) -> dict:
    """The user's standing, for the audit log's before and after."""
    sanction = blocking_sanction(active_sanctions(user, fresh=True))
    if sanction is None:
        return {"state": "in good standing"}
    if sanction.kind == SanctionKind.SUSPENSION:
        return {"state": "suspended", "until": sanction.until.isoformat(),
                "sanction_id": sanction.pk}
    return {"state": "banned" if sanction.kind == SanctionKind.BAN else "spam-banned",
            "sanction_id": sanction.pk}


def _require(actor, permission: str, what: str) -> None:
    if not can(actor, permission):
        raise PermissionDenied(f"Your account may not {what}.")


def _check_target(*, actor, user, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["Please give a reason; the user will read it."]})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError("You cannot warn, suspend or ban yourself.")
    if is_admin(user):
        raise ValidationError(
            f"{user.username} is an admin. Take their roles away before a sanction."
        )
    return reason


def _sanction_create(*, actor, user, kind: str, reason: str, until=None) -> Sanction:
    return Sanction.objects.create(user=user, kind=kind, reason=reason, until=until,
                                   created_by=actor)


@transaction.atomic
def user_warn(*, actor, user, reason: str) -> Sanction:
    """Warn ``user``: she sees ``reason`` on her next page until she says she read it."""
    _require(actor, SANCTION_USERS, "warn users")
    reason = _check_target(actor=actor, user=user, reason=reason)
    before = _state(user)
    sanction = _sanction_create(actor=actor, user=user, kind=SanctionKind.WARNING, reason=reason)
    audit_record(actor=actor, action="user.warn", target=user, before=before,
                 after={**_state(user), "warning_id": sanction.pk}, reason=reason)
    return sanction


@transaction.atomic
def user_suspend(*, actor, user, days: int, reason: str) -> Sanction:
    """Suspend ``user`` for ``days`` days from now: she can read but not write."""
    _require(actor, SANCTION_USERS, "suspend users")
    reason = _check_target(actor=actor, user=user, reason=reason)
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_SUSPENSION_DAYS:
        raise ValidationError(
            {"days": [f"Please give a number of days from 1 to {MAX_SUSPENSION_DAYS}."]}
        )
    before = _state(user)
    until = timezone.now() + datetime.timedelta(days=days)
    sanction = _sanction_create(actor=actor, user=user, kind=SanctionKind.SUSPENSION,
                                reason=reason, until=until)
    audit_record(actor=actor, action="user.suspend", target=user, before=before,
                 after={**_state(user), "days": days}, reason=reason)
    return sanction


@transaction.atomic
def user_ban(*, actor, user, reason: str) -> Sanction:
    """Ban ``user`` indefinitely: she can read but not write. Her works stay up."""
    _require(actor, SANCTION_USERS, "ban users")
    reason = _check_target(actor=actor, user=user, reason=reason)
    before = _state(user)
    sanction = _sanction_create(actor=actor, user=user, kind=SanctionKind.BAN, reason=reason)
    audit_record(actor=actor, action="user.ban", target=user, before=before,
                 after=_state(user), reason=reason)
    return sanction


def _hide_everything_of(user) -> dict:
    """Hide all ``user`` made, with queryset updates, then recount what
    readers see. Returns the ids hidden, for the audit log."""
    from chapterhouse.discovery.receivers import work_changed
    from chapterhouse.responses.models import Bookmark, Comment
    from chapterhouse.responses.services.bookmarks import bookmark_count_refresh
    from chapterhouse.responses.services.comments import comment_count_refresh
    from chapterhouse.works.models import Work

    from ..models import NewsComment

    work_ids = sorted(set(
        Work.objects.filter(creatorships__pseud__user=user, hidden_by_admin=False)
        .values_list("pk", flat=True)
    ))
    Work.objects.filter(pk__in=work_ids).update(hidden_by_admin=True)
    work_changed(work_ids)

    comments = Comment.objects.filter(user=user).exclude(hidden_by_admin=True, spam=True)
    comment_rows = list(comments.values_list("pk", "work_id"))
    Comment.objects.filter(pk__in=[pk for pk, _ in comment_rows]).update(
        hidden_by_admin=True, spam=True
    )
    for work_id in sorted({work_id for _, work_id in comment_rows}):
        comment_count_refresh(work_id=work_id)

    bookmark_rows = list(
        Bookmark.objects.filter(user=user, hidden_by_admin=False).values_list("pk", "work_id")
    )
    Bookmark.objects.filter(pk__in=[pk for pk, _ in bookmark_rows]).update(hidden_by_admin=True)
    bookmark_count_refresh(work_ids=[work_id for _, work_id in bookmark_rows if work_id])

    news_ids = list(NewsComment.objects.filter(user=user, hidden_by_admin=False)
                    .values_list("pk", flat=True))
    NewsComment.objects.filter(pk__in=news_ids).update(hidden_by_admin=True)
    return {
        "works_hidden": work_ids,
        "comments_hidden": [pk for pk, _ in comment_rows],
        "bookmarks_hidden": [pk for pk, _ in bookmark_rows],
        "news_comments_hidden": news_ids,
    }


@transaction.atomic
def user_spam_ban(*, actor, user, reason: str) -> Sanction:
    """Ban ``user`` as a spammer and hide everything she made. Lifting the ban
    later does not bring her content back."""
    _require(actor, SANCTION_USERS, "ban users")
    reason = _check_target(actor=actor, user=user, reason=reason)
    before = _state(user)
    sanction = _sanction_create(actor=actor, user=user, kind=SanctionKind.SPAM_BAN,
                                reason=reason)
    hidden = _hide_everything_of(user)
    audit_record(actor=actor, action="user.spam_ban", target=user, before=before,
                 after={**_state(user), **hidden}, reason=reason)
    return sanction


@transaction.atomic
def user_unsuspend(*, actor, user, reason: str = "") -> int:
    """Lift every suspension and ban in force on ``user``; returns how many.
    Content hidden by a spam-ban stays hidden."""
    _require(actor, SANCTION_USERS, "lift suspensions or bans")
    before = _state(user)
    in_force = [s for s in active_sanctions(user, fresh=True) if s.kind in BLOCKING_KINDS]
    if not in_force:
        raise ValidationError(f"{user.username} has no suspension or ban to lift.")
    lifted = Sanction.objects.filter(pk__in=[s.pk for s in in_force]).update(
        lifted_at=timezone.now(), lifted_by=actor
    )
    audit_record(actor=actor, action="user.unsuspend", target=user, before=before,
                 after={**_state(user), "lifted": [s.pk for s in in_force]},
                 reason=(reason or "").strip())
    return lifted


@transaction.atomic
def warning_acknowledge(*, user, sanction: Sanction) -> Sanction:
    """``user`` says she has read her warning; it is no longer shown."""
    if (sanction.user_id != getattr(user, "pk", None)
            or sanction.kind != SanctionKind.WARNING):
        raise PermissionDenied("That is not one of your warnings.")
    if sanction.acknowledged_at is None:
        sanction.acknowledged_at = timezone.now()
        sanction.save(update_fields=["acknowledged_at"])
    return sanction


@transaction.atomic
def admin_note_add(*, actor, user, text: str) -> AdminNote:
    """A note about ``user`` for admins' eyes only."""
    _require(actor, VIEW_USER_DETAILS, "add notes about users")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Please write the note."]})
    note = AdminNote.objects.create(user=user, author=actor, text=text)
    audit_record(actor=actor, action="user.note", target=user,
                 after={"note_id": note.pk, "text": text}, reason="")
    return note
