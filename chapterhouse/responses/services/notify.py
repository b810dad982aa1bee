"""The one door for telling a user something: an inbox entry and/or a mail.

Features call these inside their own transaction, right where the news
happens (a comment posted, a chapter posted, …). Both are idempotent by
``key``: delivering the same news twice does nothing, so a retried task or a
double-submitted form never tells anyone twice.

Mail is not sent here: ``mail_record`` stores a ``Notification`` row (the
mail outbox) in the caller's transaction, so the mail exists exactly when its
cause does. The worker's sender (services/mail.py) checks the user's
preferences, sends it and marks the row sent.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from ..models import InboxItem, Notification


def inbox_deliver(
    *,
    user,
    kind: str,
    key: str,
    text: str = "",
    work=None,
    chapter=None,
    comment=None,
    correction=None,
) -> InboxItem | None:
    """Put one entry in ``user``'s inbox unless one with ``key`` is there.
    Returns the new entry, or None if it was already delivered. Whether the
    user wants it (preferences) is the caller's question."""
    if user is None or not getattr(user, "pk", None):
        return None
    if InboxItem.objects.filter(user=user, key=key).exists():
        return None
    try:
        with transaction.atomic():
            return InboxItem.objects.create(
                user=user, kind=kind, key=key, text=text[:500], work=work, chapter=chapter,
                comment=comment, correction=correction,
            )
    except IntegrityError:  # a concurrent delivery of the same news won
        return None


def mail_record(*, user, kind: str, key: str, payload: dict | None = None) -> Notification | None:
    """Record one mail to send to ``user`` unless ``key`` was recorded before.
    The row commits or rolls back with the surrounding transaction; the
    worker's sender finds it there."""
    if user is None or not getattr(user, "pk", None):
        return None
    if Notification.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user, kind=kind, key=key, payload=payload or {}
            )
    except IntegrityError:
        return None
    return notification
