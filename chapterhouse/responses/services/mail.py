"""Sending notification mail.

``notify.mail_record`` stores a ``Notification`` (the mail outbox) in the
transaction of its cause. ``mail_outbox_send`` (run every second by the
worker) takes the waiting rows; ``mail_send`` locks one, and sends the mail
only if the row is neither sent, skipped nor taken, the user still wants this
kind of mail, has a verified primary address, and may still see the work it
is about. It marks the row taken (``sending_at``) and commits before the mail
leaves, and sent afterwards, so no crash can make it send twice.

Every mail has a text and an HTML part, absolute links (``settings.SITE_URL``)
and a link that switches this kind of mail off (``/unsubscribe/<token>``,
also in the ``List-Unsubscribe`` header).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from chapterhouse.accounts.models import Preference, User
from chapterhouse.accounts.selectors import is_blocked, preference_for
from chapterhouse.works.models import Creatorship, Gift, Series, Work
from chapterhouse.works.selectors.visibility import can_view_work, chapters_visible_to
from chapterhouse.works.text import strip_html

from ..models import Comment, InboxKind, Notification, NotificationKind
from .notify import inbox_deliver, mail_record

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "chapterhouse.responses.unsubscribe"


@dataclass(frozen=True)
class Switch:
    """The preference that turns a kind of mail off: ``field`` set to ``off``."""

    field: str
    off: bool
    #: What the unsubscribe page says will stop.
    words: str


SWITCHES: dict[str, Switch] = {
    NotificationKind.COMMENT: Switch("comment_emails_off", True, "emails about comments"),
    NotificationKind.REPLY: Switch("comment_emails_off", True, "emails about comments"),
    NotificationKind.KUDOS: Switch("kudos_emails_off", True, "emails about kudos"),
    NotificationKind.SUBSCRIPTION: Switch(
        "subscription_emails_off", True, "emails from subscriptions"
    ),
    NotificationKind.FILTER: Switch("subscription_emails_off", True, "emails from subscriptions"),
    # These two have no mail switch of their own: turning them off means
    # no longer accepting co-creator invitations or gifts at all.
    NotificationKind.COCREATOR: Switch(
        "allow_cocreator", False, "co-creator invitations (others will no longer be able to "
        "invite you to be a co-creator)"
    ),
    NotificationKind.GIFT: Switch(
        "allow_gifts", False, "gifts (others will no longer be able to give you works as gifts)"
    ),
}


# --- unsubscribing ------------------------------------------------------------


def unsubscribe_token(*, user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, user, kind: str) -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(user=user, kind=kind)}"


def unsubscribe_read(token: str) -> tuple[User, Switch, str]:
    """The user and the switch a token stands for; ValidationError if it is not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
        kind = str(data["k"])
        switch = SWITCHES[kind]
    except (signing.BadSignature, KeyError, TypeError, ValueError, User.DoesNotExist) as error:
        raise ValidationError(
            "This unsubscribe link is not valid. You can change which emails you get on your "
            "preferences page."
        ) from error
    return user, switch, kind


@transaction.atomic
def unsubscribe_apply(*, token: str) -> tuple[User, Switch]:
    """Switch the token's kind of mail off for its user (idempotent)."""
    user, switch, _ = unsubscribe_read(token)
    preference, _ = Preference.objects.select_for_update().get_or_create(user=user)
    if getattr(preference, switch.field) != switch.off:
        setattr(preference, switch.field, switch.off)
        preference.save(update_fields=[switch.field])
    return user, switch


def wants_mail(user, kind: str) -> bool:
    switch = SWITCHES.get(kind)
    preference = preference_for(user)
    if switch is None or preference is None:
        return True
    return getattr(preference, switch.field) != switch.off


def mail_address_of(user) -> str | None:
    """The user's verified primary address, if she has one."""
    found = EmailAddress.objects.filter(user=user, primary=True, verified=True).first()
    return found.email if found else None


# --- recording mail for works' creators and gifts -----------------------------


def cocreator_mail_record(*, creatorship: Creatorship) -> Notification | None:
    """Tell the invited pseud's user of a co-creator invitation. Call where the
    invitation is made, inside its transaction."""
    return mail_record(
        user=creatorship.pseud.user, kind=NotificationKind.COCREATOR,
        key=f"cocreator:{creatorship.pk}",
        payload={"work_id": creatorship.work_id, "creatorship_id": creatorship.pk},
    )


def gifts_mail_record(*, work: Work) -> int:
    """Tell each (not refusing) recipient of a gift of ``work``, once per work
    and recipient, by inbox and mail. Does nothing until the work is posted, so
    call it whenever gifts are saved or the work is posted. A work in an
    unrevealed collection waits for the reveal, which calls this again
    (collections/services.py). Returns how many mails it recorded."""
    if not work.posted or work.hidden_by_admin or work.in_unrevealed_collection:
        return 0
    recorded = 0
    gifts = Gift.objects.filter(work=work, recipient__isnull=False, refused=False)
    for gift in gifts.select_related("recipient"):
        inbox_deliver(
            user=gift.recipient, kind=InboxKind.GIFT, key=f"gift:{work.pk}:to:{gift.recipient_id}",
            work=work, text=f"{_byline(work)} gave you a work: {work.title}",
        )
        recorded += mail_record(
            user=gift.recipient, kind=NotificationKind.GIFT,
            key=f"gift:{work.pk}:to:{gift.recipient_id}",
            payload={"work_id": work.pk, "gift_id": gift.pk},
        ) is not None
    return recorded


# --- composing ------------------------------------------------------------------


class Skip(Exception):
    """This mail is not to be sent; the message says why (for the log)."""


@dataclass
class Composed:
    subject: str
    template: str
    context: dict = field(default_factory=dict)


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _byline(work: Work) -> str:
    if work.anonymous:
        return "Anonymous"
    pseuds = [
        c.pseud for c in Creatorship.objects.filter(work=work, accepted=True)
        .select_related("pseud__user").order_by("position", "pk")
    ]
    return ", ".join(
        p.name if p.name == p.user.username else f"{p.name} ({p.user.username})" for p in pseuds
    ) or "Anonymous"


def _work_for(user, payload: dict) -> Work:
    work = Work.objects.filter(pk=payload.get("work_id") or 0).first()
    if work is None:
        raise Skip("the work is gone")
    if not can_view_work(user, work):
        raise Skip("the recipient may no longer see the work")
    return work


def _creator_ids(work: Work) -> set[int]:
    return set(
        Creatorship.objects.filter(work=work, accepted=True).values_list(
            "pseud__user_id", flat=True
        )
    )


def _comment_author(comment: Comment, work: Work, recipient) -> str:
    if comment.user_id is None:
        return f"{comment.guest_name} (guest)"
    if work.anonymous and comment.user_id in _creator_ids(work) - {recipient.pk}:
        return "Anonymous Creator"
    username = comment.user.username if comment.user else ""
    name = comment.pseud.name if comment.pseud else username
    return name if name == username else f"{name} ({username})"


def _compose_comment(notification: Notification) -> Composed:
    user = notification.user
    comment = (
        Comment.objects.select_related("work", "chapter", "user", "pseud", "parent")
        .filter(pk=notification.payload.get("comment_id") or 0)
        .first()
    )
    if comment is None or comment.deleted or comment.hidden_by_admin or comment.spam:
        raise Skip("the comment is gone")
    reply = notification.kind == NotificationKind.REPLY
    if reply and not comment.approved:
        raise Skip("the reply waits for moderation")
    if comment.user_id and is_blocked(blocker=user, blocked=comment.user):
        raise Skip("the recipient blocked the commenter")
    work = _work_for(user, {"work_id": comment.work_id})
    author = _comment_author(comment, work, user)
    where = work.title
    if comment.chapter_id and work.posted_chapter_count > 1:
        where = f"Chapter {comment.chapter.position} of {work.title}"
    if reply:
        subject = f"Reply to your comment on {work.title}"
        headline = f"{author} replied to your comment on {where}:"
    else:
        subject = f"Comment on {work.title}"
        headline = f"{author} left a comment on {where}:"
    return Composed(subject, "comment", {
        "headline": headline,
        "awaiting": not comment.approved,
        "content_html": comment.content,
        "content_text": strip_html(comment.content),
        "parent_text": strip_html(comment.parent.content) if reply and comment.parent else "",
        "comment_url": _absolute(f"/comments/{comment.pk}"),
        "work_title": work.title,
        "work_url": _absolute(f"/works/{work.pk}"),
    })


def _compose_kudos(notification: Notification) -> Composed:
    user = notification.user
    rows = notification.payload.get("works") or []
    works = {w.pk: w for w in Work.objects.filter(pk__in=[r.get("work_id") for r in rows])}
    shown = []
    for row in rows:
        work = works.get(row.get("work_id"))
        if work is None or not can_view_work(user, work):
            continue
        shown.append({
            "title": work.title, "url": _absolute(f"/works/{work.pk}"),
            "count": int(row.get("count") or 0),
        })
    if not shown:
        raise Skip("none of the works is there any more")
    total = sum(row["count"] for row in shown)
    subject = f"You've got kudos! ({total} today)" if total != 1 else "You've got kudos!"
    return Composed(subject, "kudos", {"works": shown, "total": total})


def _compose_subscription(notification: Notification) -> Composed:
    user = notification.user
    payload = notification.payload
    work = _work_for(user, payload)
    chapter = None
    if payload.get("chapter_id"):
        chapter = chapters_visible_to(user, work).filter(pk=payload["chapter_id"]).first()
        if chapter is None:
            raise Skip("the chapter is not there to read")
    work_url = _absolute(f"/works/{work.pk}")
    url = _absolute(f"/works/{work.pk}/chapters/{chapter.pk}") if chapter else work_url
    if payload.get("series_id"):
        series = Series.objects.filter(pk=payload["series_id"]).first()
        if series is None:
            raise Skip("the series is gone")
        subject = f"A new part of the series {series.title}"
        headline = f"A new part of the series {series.title}: {work.title} by {_byline(work)}"
    elif payload.get("creator_id"):
        creator = User.objects.filter(pk=payload["creator_id"]).first()
        if creator is None or work.anonymous or creator.pk not in _creator_ids(work):
            raise Skip("the work is not credited to the creator followed")
        subject = f"A new work by {creator.username}"
        headline = f"A new work by {creator.username}: {work.title}"
    elif chapter is not None:
        label = f"Chapter {chapter.position}" + (f": {chapter.title}" if chapter.title else "")
        subject = f"A new chapter of {work.title}"
        headline = f"A new chapter of {work.title} by {_byline(work)}: {label}"
    else:
        subject = f"An update to {work.title}"
        headline = f"{work.title} by {_byline(work)} was updated."
    return Composed(subject, "subscription", {
        "headline": headline, "url": url, "work_title": work.title, "work_url": work_url,
        "summary_text": strip_html(work.summary),
    })


def _compose_filter(notification: Notification) -> Composed:
    work = _work_for(notification.user, notification.payload)
    return Composed(f"A new work: {work.title}", "filter", {
        "headline": f"A new work in something you follow: {work.title} by {_byline(work)}",
        "url": _absolute(f"/works/{work.pk}"),
        "work_title": work.title,
        "summary_text": strip_html(work.summary),
    })


def _compose_cocreator(notification: Notification) -> Composed:
    user = notification.user
    invitation = (
        Creatorship.objects.select_related("work", "invited_by", "pseud")
        .filter(pk=notification.payload.get("creatorship_id") or 0, pseud__user=user)
        .first()
    )
    if invitation is None or invitation.accepted:
        raise Skip("the invitation was answered or withdrawn")
    work = invitation.work
    if work.hidden_by_admin:
        raise Skip("the work is hidden")
    inviter = invitation.invited_by.username if invitation.invited_by else "A creator"
    return Composed(f"Co-creator invitation: {work.title}", "cocreator", {
        "headline": f"{inviter} invited your pseud {invitation.pseud.name} to be listed as a "
                    f"co-creator of {work.title}.",
        "url": _absolute(f"/users/{user.username}/creatorships"),
    })


def _compose_gift(notification: Notification) -> Composed:
    user = notification.user
    work = _work_for(user, notification.payload)
    if not Gift.objects.filter(work=work, recipient=user, refused=False).exists():
        raise Skip("the gift was taken back or refused")
    return Composed(f"A gift for you: {work.title}", "gift", {
        "headline": f"{_byline(work)} gave you a work: {work.title}",
        "url": _absolute(f"/works/{work.pk}"),
        "gifts_url": _absolute(f"/users/{user.username}/gifts"),
        "summary_text": strip_html(work.summary),
    })


def _compose_assignment(notification: Notification) -> Composed:
    from chapterhouse.collections.models import Assignment

    user = notification.user
    assignment = (
        Assignment.objects.select_related("collection", "recipient")
        .filter(pk=notification.payload.get("assignment_id") or 0, giver=user)
        .first()
    )
    if assignment is None or assignment.fulfilled_at:
        raise Skip("the assignment is no longer hers or is fulfilled")
    collection = assignment.collection
    due = (
        collection.gift_exchange.assignments_due_at
        if hasattr(collection, "gift_exchange") else None
    )
    return Composed(f"Your assignment for {collection.title}", "assignment", {
        "headline": f"You have been assigned a gift for {assignment.recipient.username} in "
                    f"{collection.title}.",
        "due": due.strftime("%d %b %Y %H:%M UTC") if due else "",
        "url": _absolute(f"/collections/{collection.name}/assignments/{assignment.pk}"),
    })


def _compose_invitation(notification: Notification) -> Composed:
    from chapterhouse.collections.models import Approval, CollectionItem
    from chapterhouse.works.selectors.visibility import is_creator

    user = notification.user
    item = (
        CollectionItem.objects.select_related("collection", "work", "added_by")
        .filter(pk=notification.payload.get("item_id") or 0)
        .first()
    )
    if item is None or item.user_approval != Approval.PENDING:
        raise Skip("the invitation was answered or withdrawn")
    if item.collection_approval == Approval.REJECTED:
        raise Skip("the maintainers withdrew the invitation")
    if not is_creator(user, item.work):
        raise Skip("she is no longer a creator of the work")
    collection, work = item.collection, item.work
    inviter = item.added_by.username if item.added_by else "A maintainer"
    return Composed(f"Invitation to {collection.title}: {work.title}", "invitation", {
        "headline": f"{inviter} invited your work {work.title} to the collection "
                    f"{collection.title}.",
        "collection_url": _absolute(f"/collections/{collection.name}"),
        "url": _absolute(f"/users/{user.username}/collection_items?status=unreviewed"),
    })


COMPOSERS = {
    NotificationKind.COMMENT: _compose_comment,
    NotificationKind.REPLY: _compose_comment,
    NotificationKind.KUDOS: _compose_kudos,
    NotificationKind.SUBSCRIPTION: _compose_subscription,
    NotificationKind.FILTER: _compose_filter,
    NotificationKind.COCREATOR: _compose_cocreator,
    NotificationKind.GIFT: _compose_gift,
    NotificationKind.ASSIGNMENT: _compose_assignment,
    NotificationKind.INVITATION: _compose_invitation,
}


def mail_message(notification: Notification) -> EmailMultiAlternatives:
    """The mail for ``notification``; raises Skip when there is none to send."""
    user = notification.user
    if not user.is_active:
        raise Skip("the account is closed")
    compose = COMPOSERS.get(notification.kind)
    if compose is None:
        raise Skip(f"unknown kind {notification.kind!r}")
    if not wants_mail(user, notification.kind):
        raise Skip("the recipient switched this mail off")
    address = mail_address_of(user)
    if not address:
        raise Skip("the recipient has no verified address")
    composed = compose(notification)
    # A challenge's assignments have no switch: taking part asked for them.
    switch = SWITCHES.get(notification.kind)
    unsubscribe = unsubscribe_url(user=user, kind=notification.kind) if switch else ""
    context = {
        **composed.context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "user": user,
        "subject": composed.subject,
        "unsubscribe_url": unsubscribe,
        "unsubscribe_words": switch.words if switch else "",
        "preferences_url": _absolute(f"/users/{user.username}/preferences"),
        "inbox_url": _absolute(f"/users/{user.username}/inbox"),
    }
    base = f"responses/mail/{composed.template}"
    message = EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {composed.subject}",
        body=render_to_string(f"{base}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if unsubscribe:
        message.extra_headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


# --- sending --------------------------------------------------------------------

#: Rows a sender takes per pass (the rest wait for the next pass, a second later).
OUTBOX_BATCH = 50


def message_id_for(notification: Notification) -> str:
    """The ``Message-ID`` of ``notification``'s mail: made from its key, so the
    same news always has the same id and a mail program sees a copy as one."""
    digest = hashlib.sha256(notification.key.encode()).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<notification.{notification.pk}.{digest}@{domain}>"


def mail_send(*, notification_id: int) -> str:
    """Send one recorded mail, at most once. Returns what happened:
    "sent", "skipped: <why>", "done" (sent, skipped or taken before) or "missing".

    Step one, in a transaction with the row locked: compose the mail, or mark
    the row skipped; otherwise set ``sending_at`` and commit. Step two, with
    no transaction open: hand the mail to the server. Step three: set
    ``sent_at``. A crash between one and three leaves ``sending_at`` without
    ``sent_at``, and such a row is never taken again (docs/notifications.md
    says why at most once was chosen)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            return "missing"
        if notification.sent_at is not None or notification.skipped or notification.sending_at:
            return "done"
        try:
            message = mail_message(notification)
        except Skip as why:
            notification.skipped = True
            notification.save(update_fields=["skipped"])
            log.info("Mail %s not sent: %s.", notification.key, why)
            return f"skipped: {why}"
        message.extra_headers["Message-ID"] = message_id_for(notification)
        notification.sending_at = timezone.now()
        notification.save(update_fields=["sending_at"])
    try:
        message.send()
    except Exception:
        # The server refused or was not there: nothing left, so the row may be
        # taken again. (A crash here instead leaves it taken: at most once.)
        Notification.objects.filter(pk=notification_id, sent_at=None).update(sending_at=None)
        raise
    Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now())
    return "sent"


def mail_outbox_send(*, limit: int = OUTBOX_BATCH) -> int:
    """Send the outbox's waiting mail, oldest first, up to ``limit`` rows;
    returns how many were sent. Run every second by the worker's quick-task
    thread; several workers may run it at once (each row is locked and
    re-checked by ``mail_send``)."""
    waiting = list(
        Notification.objects.filter(sent_at=None, skipped=False, sending_at=None)
        .order_by("pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for notification_id in waiting:
        try:
            sent += mail_send(notification_id=notification_id) == "sent"
        except Exception:
            log.exception("Mail %s could not be sent; trying again shortly.", notification_id)
            break  # the mail server is likely away: the next pass tries again
    if sent:
        log.info("Sent %d notification mail(s).", sent)
    return sent


@task()
def mail_send_task(notification_id: int) -> str:
    """Kept for tasks queued before the outbox sender: sends the same way."""
    return mail_send(notification_id=notification_id)
