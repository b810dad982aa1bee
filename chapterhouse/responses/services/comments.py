"""Writes for comments: post, edit, delete, freeze, hide, approve.

Every rule about who may comment lives in ``selectors/comments.py``
(``comment_refusal``), so the page can say why before anyone types; the
functions here ask it again and raise ``PermissionDenied`` with the same
sentence. See docs/comments.md.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from chapterhouse.accounts.models import Preference, Pseud, User
from chapterhouse.discovery.receivers import work_changed
from chapterhouse.moderation.guards import may_write, spam_check
from chapterhouse.web.ratelimit import rate_limit_check, rate_limit_record
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import signed_in_user
from chapterhouse.works.text import html_to_html, strip_html

from ..models import Comment, InboxKind, NotificationKind
from ..selectors.comments import (
    MAX_DEPTH,
    can_moderate,
    comment_refusal,
    commenter_name,
    creator_user_ids,
)
from .notify import inbox_deliver, mail_record

#: AO3's limit for one comment, in characters.
CONTENT_MAX_LENGTH = 10_000
GUEST_NAME_MAX_LENGTH = 100
#: Guests: 5 comments per 10 minutes per address. Users: 20 per 10 minutes.
GUEST_RATE = {"count": 5, "window": 600}
USER_RATE = {"count": 20, "window": 600}
#: More links than this in one comment reads as spam.
GUEST_MAX_LINKS = 2
USER_MAX_LINKS = 10
#: The same text from the same person within this long is refused as a repeat.
REPEAT_WINDOW = timedelta(days=1)

RATE_MESSAGE = (
    "You have posted several comments in a short time. Please wait {wait} before "
    "posting again; your comment is below, so nothing is lost."
)
_LINK_RE = re.compile(r"<a\s|https?://|www\.", re.IGNORECASE)


def _rate_who(user, guest_ip, guest_email) -> tuple[str, str]:
    if user is not None:
        return "comment-user", str(user.pk)
    return "comment-guest", str(guest_ip or guest_email.lower() or "unknown")


def _clean_content(content: str) -> str:
    """The typed text checked for length and made safe. Raises ValidationError."""
    content = (content or "").strip()
    if not content:
        raise ValidationError("Please write something in your comment before posting it.")
    if len(content) > CONTENT_MAX_LENGTH:
        raise ValidationError(
            f"Your comment is {len(content):,} characters long; comments can be at most "
            f"{CONTENT_MAX_LENGTH:,} characters. Please shorten it or split it in two."
        )
    clean = html_to_html(content)
    if not strip_html(clean).strip() and "<img" not in clean:
        raise ValidationError(
            "Your comment has no text left once unsafe markup is removed. Please write "
            "something in it."
        )
    return clean


def _fingerprint(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).lower().encode()).hexdigest()


def _spam_check(*, user, content: str, guest_ip, guest_email, honeypot: str) -> None:
    if honeypot:
        raise ValidationError("Your comment looks like spam and was not posted.")
    if user is None:
        spam_check(text=content)
    links = len(_LINK_RE.findall(content))
    limit = USER_MAX_LINKS if user is not None else GUEST_MAX_LINKS
    if links > limit:
        raise ValidationError(
            f"Your comment has {links} links; a comment may have at most {limit}. "
            "Please remove some."
        )
    since = timezone.now() - REPEAT_WINDOW
    recent = Comment.objects.filter(created_at__gte=since)
    if user is not None:
        recent = recent.filter(user=user)
    else:
        who = Q(guest_email__iexact=guest_email)
        if guest_ip:
            who |= Q(guest_ip=guest_ip)
        recent = recent.filter(who, user__isnull=True)
    mark = _fingerprint(strip_html(content))
    for text in recent.values_list("content", flat=True)[:200]:
        if _fingerprint(strip_html(text)) == mark:
            raise ValidationError(
                "You have already posted this comment. It is on the page; there is no "
                "need to post it again."
            )


def _pseud_for(user, pseud) -> Pseud:
    if pseud is None:
        found = user.pseuds.filter(is_default=True).first() or user.pseuds.first()
        if found is None:
            raise ValidationError("You need a pseud to comment.")
        return found
    pseud_id = getattr(pseud, "pk", pseud)
    found = Pseud.objects.filter(pk=pseud_id, user=user).first()
    if found is None:
        raise ValidationError("Please choose one of your own pseuds.")
    return found


def comment_count_refresh(*, work_id: int) -> None:
    """Recount the work's comments (AO3's meaning: every comment and reply that
    readers can see: approved, not deleted, not hidden, not spam) and let the
    search index re-sort. Call inside the transaction that changed them."""
    visible = (
        Comment.objects.filter(work_id=OuterRef("pk"))
        .filter(approved=True, deleted=False, hidden_by_creator=False, hidden_by_admin=False,
                spam=False)
        .order_by()
        .values("work_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Work.objects.filter(pk=work_id).update(comment_count=Coalesce(Subquery(visible), 0))
    work_changed([work_id])


def _preferences(user_ids) -> dict[int, Preference]:
    return {p.user_id: p for p in Preference.objects.filter(user_id__in=user_ids)}


def _tell(*, user_id: int, kind: str, comment: Comment, text: str, prefs: dict) -> None:
    pref = prefs.get(user_id)
    key = f"comment:{comment.pk}:to:{user_id}"
    inbox_kind = InboxKind.REPLY if kind == NotificationKind.REPLY else InboxKind.COMMENT
    user = User(pk=user_id)
    if not (pref and pref.comment_inbox_off):
        inbox_deliver(
            user=user, kind=inbox_kind, key=key, text=text, work=comment.work,
            chapter=comment.chapter, comment=comment,
        )
    if not (pref and pref.comment_emails_off):
        payload = {"comment_id": comment.pk}
        if not comment.approved:
            payload["awaiting_approval"] = True
        mail_record(user=user, kind=kind, key=key, payload=payload)


def _notify(comment: Comment, *, replied_to: Comment | None, creators: set[int]) -> None:
    """Tell the work's creators and the author of the comment replied to."""
    who = commenter_name(comment, creator_ids=creators)
    title = comment.work.title
    reply_to = replied_to.user_id if replied_to is not None else None
    if reply_to == comment.user_id:
        reply_to = None
    if not comment.approved:
        reply_to = None  # told when the comment is approved
    targets = {uid for uid in creators if uid != comment.user_id}
    prefs = _preferences(targets | ({reply_to} if reply_to else set()))
    for uid in sorted(targets):
        if uid == reply_to:
            continue  # she hears of it as a reply to her comment
        if comment.approved:
            text = f"{who} left a comment on {title}."
        else:
            text = f"{who} left a comment on {title}; it is awaiting your approval."
        _tell(user_id=uid, kind=NotificationKind.COMMENT, comment=comment, text=text,
              prefs=prefs)
    if reply_to:
        _tell(user_id=reply_to, kind=NotificationKind.REPLY, comment=comment,
              text=f"{who} replied to your comment on {title}.", prefs=prefs)


def comment_create(
    *,
    work,
    viewer,
    content: str,
    pseud=None,
    chapter=None,
    parent: Comment | None = None,
    guest_name: str = "",
    guest_email: str = "",
    guest_ip=None,
    honeypot: str = "",
) -> Comment:
    """Post a comment on ``work`` (or ``chapter`` of it), or a reply to ``parent``.

    Raises ``PermissionDenied`` when the viewer may not comment here,
    ``RateLimited`` (a ``ValidationError`` with ``retry_after``) when she has
    posted too often, and ``ValidationError`` for anything wrong with the text.
    """
    user = signed_in_user(viewer)
    if parent is not None:
        work = parent.work
        chapter = parent.chapter
    if chapter is not None and chapter.work_id != work.pk:
        raise ValidationError("That chapter is not part of this work.")
    creators = creator_user_ids(work)
    refusal = comment_refusal(work=work, viewer=viewer, parent=parent, creator_ids=creators)
    if refusal:
        raise PermissionDenied(refusal)
    may_write(user=user, action="comment", address=guest_ip)
    guest_name = (guest_name or "").strip()
    guest_email = (guest_email or "").strip()
    if user is None:
        if not guest_name:
            raise ValidationError("Please enter your name.")
        if len(guest_name) > GUEST_NAME_MAX_LENGTH:
            raise ValidationError(
                f"Your name can be at most {GUEST_NAME_MAX_LENGTH} characters long."
            )
        if not guest_email:
            raise ValidationError("Please enter your email address.")
        try:
            validate_email(guest_email)
        except ValidationError:
            raise ValidationError("Please enter a valid email address.") from None
    clean = _clean_content(content)
    chosen = _pseud_for(user, pseud) if user is not None else None
    scope, who = _rate_who(user, guest_ip, guest_email)
    rate = USER_RATE if user is not None else GUEST_RATE
    rate_limit_check(scope=scope, who=who, message=RATE_MESSAGE, **rate)
    _spam_check(user=user, content=content, guest_ip=guest_ip, guest_email=guest_email,
                honeypot=honeypot)

    # Replies nest MAX_DEPTH levels deep; a reply to a comment at the limit
    # joins that comment's own level, under the same parent.
    replied_to = parent
    if parent is not None and parent.depth >= MAX_DEPTH:
        parent = parent.parent
    with transaction.atomic():
        comment = Comment.objects.create(
            work=work,
            chapter=chapter,
            parent=parent,
            thread_id=parent.thread_id if parent is not None else None,
            depth=parent.depth + 1 if parent is not None else 0,
            user=user,
            pseud=chosen,
            guest_name="" if user else guest_name,
            guest_email="" if user else guest_email,
            guest_ip=guest_ip,
            content=clean,
            approved=not work.moderated_comments or (user is not None and user.pk in creators),
        )
        if parent is None:
            Comment.objects.filter(pk=comment.pk).update(thread=comment)
            comment.thread_id = comment.pk
        if comment.approved:
            comment_count_refresh(work_id=work.pk)
        _notify(comment, replied_to=replied_to, creators=creators)
    rate_limit_record(scope=scope, who=who, **rate)
    return comment


def _author_check(comment: Comment, viewer) -> None:
    user = signed_in_user(viewer)
    if user is None or comment.user_id != user.pk:
        raise PermissionDenied("Only the person who wrote this comment can do that.")


def comment_edit(*, comment: Comment, viewer, content: str) -> Comment:
    """The author changes her comment's text; the comment says "Last Edited"."""
    _author_check(comment, viewer)
    may_write(user=viewer, action="comment")
    if comment.deleted:
        raise PermissionDenied("This comment has been deleted.")
    if comment.frozen:
        raise PermissionDenied("This comment thread is frozen, so its comments can't be edited.")
    clean = _clean_content(content)
    with transaction.atomic():
        comment.content = clean
        comment.edited_at = timezone.now()
        comment.save(update_fields=["content", "edited_at"])
    return comment


def comment_delete(*, comment: Comment, viewer) -> None:
    """The author, a creator of the work or an admin deletes a comment. With
    replies it stays as "(Previous comment deleted.)"; without, it goes, and
    so does a deleted parent left with no replies."""
    user = signed_in_user(viewer)
    if user is None or not (comment.user_id == user.pk or can_moderate(user, comment.work)):
        raise PermissionDenied("You can't delete this comment.")
    work_id = comment.work_id
    with transaction.atomic():
        node = comment
        if Comment.objects.filter(parent=node).exists():
            Comment.objects.filter(pk=node.pk).update(deleted=True, content="")
        else:
            while node is not None:
                parent = node.parent
                node.delete()
                if parent is None or not parent.deleted:
                    break
                if Comment.objects.filter(parent=parent).exists():
                    break
                node = parent
        comment_count_refresh(work_id=work_id)


def _moderator_check(comment: Comment, viewer, what: str) -> None:
    if not can_moderate(signed_in_user(viewer), comment.work):
        raise PermissionDenied(f"Only the work's creators can {what} comments.")


def _descendant_ids(comment: Comment) -> list[int]:
    """The comment and every reply below it (one query for the thread)."""
    rows = Comment.objects.filter(thread_id=comment.thread_id).values_list("pk", "parent_id")
    children: dict[int, list[int]] = {}
    for pk, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    found, todo = [], [comment.pk]
    while todo:
        pk = todo.pop()
        found.append(pk)
        todo.extend(children.get(pk, []))
    return found


def _set_frozen(comment: Comment, viewer, frozen: bool) -> None:
    _moderator_check(comment, viewer, "freeze or unfreeze")
    with transaction.atomic():
        Comment.objects.filter(pk__in=_descendant_ids(comment)).update(frozen=frozen)
    comment.frozen = frozen


def comment_freeze(*, comment: Comment, viewer) -> None:
    """Freeze the comment and every reply below it: no new replies, no edits."""
    _set_frozen(comment, viewer, True)


def comment_unfreeze(*, comment: Comment, viewer) -> None:
    _set_frozen(comment, viewer, False)


def _set_hidden(comment: Comment, viewer, hidden: bool) -> None:
    _moderator_check(comment, viewer, "hide or unhide")
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(hidden_by_creator=hidden)
        comment.hidden_by_creator = hidden
        comment_count_refresh(work_id=comment.work_id)


def comment_hide(*, comment: Comment, viewer) -> None:
    """Hidden comments are shown, marked as hidden, only to the work's
    creators and to the comment's author."""
    _set_hidden(comment, viewer, True)


def comment_unhide(*, comment: Comment, viewer) -> None:
    _set_hidden(comment, viewer, False)


def comment_approve(*, comment: Comment, viewer) -> None:
    """A creator lets a comment waiting in a moderated work's queue through."""
    _moderator_check(comment, viewer, "approve")
    if comment.approved:
        return
    with transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(approved=True)
        comment.approved = True
        comment_count_refresh(work_id=comment.work_id)
        _notify(comment, replied_to=comment.parent, creators=creator_user_ids(comment.work))


def comment_reject(*, comment: Comment, viewer) -> None:
    """A creator turns a waiting comment away: it is removed."""
    _moderator_check(comment, viewer, "reject")
    if comment.approved:
        raise ValidationError("This comment has already been approved; delete it instead.")
    with transaction.atomic():
        comment.delete()
        comment_count_refresh(work_id=comment.work_id)


__all__ = [
    "CONTENT_MAX_LENGTH", "comment_approve", "comment_count_refresh", "comment_create",
    "comment_delete", "comment_edit", "comment_freeze", "comment_hide", "comment_reject",
    "comment_unfreeze", "comment_unhide",
]
