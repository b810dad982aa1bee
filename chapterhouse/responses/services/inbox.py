"""Writes for the inbox: the owner marks entries read or unread, deletes
them, or answers a comment from her inbox; and the deliveries this feature
makes for others (corrections, new works in something a reader follows).

Entries are put in an inbox through ``notify.inbox_deliver`` only; mail goes
through ``notify.mail_record`` and is sent by ``mail.mail_send_task``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts.selectors import preference_for
from chapterhouse.works.models import CorrectionStatus, Creatorship
from chapterhouse.works.selectors.visibility import can_view_work

from ..models import InboxItem, InboxKind, NotificationKind
from .notify import inbox_deliver, mail_record

REPLYABLE = (InboxKind.COMMENT, InboxKind.REPLY)


def _require_owner(user, owner) -> None:
    if not getattr(user, "is_authenticated", False) or user.pk != owner.pk:
        raise PermissionDenied("Sorry, you don't have permission to change that inbox.")


def _ids(item_ids) -> list[int]:
    found = []
    for value in item_ids or []:
        try:
            found.append(int(value))
        except (TypeError, ValueError):
            continue
    return found


@transaction.atomic
def inbox_items_mark(*, user, owner, item_ids, read: bool) -> int:
    """Mark the owner's entries ``item_ids`` read (or unread). Returns how many changed.
    Ids of other people's entries are ignored."""
    _require_owner(user, owner)
    ids = _ids(item_ids)
    if not ids:
        raise ValidationError("Please choose at least one message.")
    return (
        InboxItem.objects.filter(user=owner, pk__in=ids).exclude(read=read).update(read=read)
    )


@transaction.atomic
def inbox_items_delete(*, user, owner, item_ids) -> int:
    """Delete the owner's entries ``item_ids``. Returns how many went."""
    _require_owner(user, owner)
    ids = _ids(item_ids)
    if not ids:
        raise ValidationError("Please choose at least one message.")
    deleted, _ = InboxItem.objects.filter(user=owner, pk__in=ids).delete()
    return deleted


def inbox_reply(*, user, item: InboxItem, content: str, pseud=None):
    """Answer the comment of a comment or reply entry from the inbox, through
    the comments service (which checks who may reply, blocks and limits).
    The entry is marked read. Returns the new comment."""
    from .comments import comment_create

    _require_owner(user, item.user)
    if item.kind not in REPLYABLE or item.comment_id is None:
        raise ValidationError("Only comments can be answered from the inbox.")
    if not (content or "").strip():
        raise ValidationError({"content": ["Brevity is the soul of wit, but we need your "
                                           "comment to have text in it."]})
    with transaction.atomic():
        parent = item.comment
        comment = comment_create(
            work=parent.work, viewer=user, content=content, pseud=pseud, parent=parent
        )
        InboxItem.objects.filter(pk=item.pk).update(read=True)
    return comment


# --- deliveries -------------------------------------------------------------


def _chapter_words(chapter) -> str:
    work = chapter.work
    if work.chapters.count() > 1 or chapter.position > 1:
        return f"Chapter {chapter.position} of {work.title}"
    return work.title


def correction_proposed_deliver(*, correction) -> int:
    """Tell each creator of the work that ``correction`` waits for them (inbox).
    Call inside the proposing transaction. Returns how many were told."""
    chapter = correction.chapter
    work = chapter.work
    creator_ids = set(
        Creatorship.objects.filter(work=work, accepted=True).values_list(
            "pseud__user_id", flat=True
        )
    )
    from chapterhouse.accounts.models import User

    told = 0
    for creator in User.objects.filter(pk__in=creator_ids, is_active=True).order_by("pk"):
        if creator.pk == correction.reader_id:
            continue
        item = inbox_deliver(
            user=creator, kind=InboxKind.CORRECTION,
            key=f"correction:{correction.pk}:to:{creator.pk}",
            text=f"{correction.reader.username} suggested a correction to "
                 f"{_chapter_words(chapter)}.",
            work=work, chapter=chapter, correction=correction,
        )
        told += item is not None
    return told


def correction_resolved_deliver(*, correction) -> bool:
    """Tell the reader who proposed ``correction`` that the creators accepted
    or dismissed it (inbox). The creators are not named."""
    if correction.status == CorrectionStatus.PENDING:
        return False
    chapter = correction.chapter
    outcome = "accepted" if correction.status == CorrectionStatus.ACCEPTED else "declined"
    thanks = " Thank you!" if outcome == "accepted" else ""
    item = inbox_deliver(
        user=correction.reader, kind=InboxKind.CORRECTION,
        key=f"correction:{correction.pk}:to:{correction.reader_id}",
        text=f"Your correction to {_chapter_words(chapter)} was {outcome}.{thanks}",
        work=chapter.work, chapter=chapter, correction=correction,
    )
    return item is not None


def _followed_words(subscription) -> str:
    if subscription.tag_id:
        return f"the tag {subscription.tag.name}"
    if subscription.saved_filter_id:
        return f"your saved filter {subscription.saved_filter.name}"
    return "something you follow"


def filter_notification_deliver(*, notification) -> None:
    """Deliver one recorded ``FilterNotification``: an inbox entry, and a mail
    unless the reader switched subscription mail off. Sets ``delivered_at``.
    Call inside a transaction that holds the row."""
    work = notification.work
    user = notification.user
    if user.is_active and can_view_work(user, work):
        _filter_news_deliver(notification)
    type(notification).objects.filter(pk=notification.pk).update(delivered_at=timezone.now())
    notification.delivered_at = timezone.now()


def _filter_news_deliver(notification) -> None:
    work = notification.work
    user = notification.user
    inbox_deliver(
        user=user, kind=InboxKind.FILTER, key=f"filter:{work.pk}:to:{user.pk}",
        text=f"A new work in {_followed_words(notification.subscription)}: {work.title}",
        work=work,
    )
    preference = preference_for(user)
    if preference is None or not preference.subscription_emails_off:
        mail_record(
            user=user, kind=NotificationKind.FILTER, key=f"filter:{work.pk}:to:{user.pk}",
            payload={"work_id": work.pk, "subscription_id": notification.subscription_id},
        )
