"""Reads for the inbox: a user's own list of news, and the unread count.

Only the owner may read her inbox. Each entry is drawn as the owner may see
it now: a work she can no longer see (hidden by an admin, back to draft) shows
as "(Deleted work)" without its text, and an anonymous work's creators are
never named (a creator's reply on an anonymous work comes from "Anonymous
Creator").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from chapterhouse.works.models import Creatorship, Work
from chapterhouse.works.selectors.listing import Page, paginate
from chapterhouse.works.selectors.visibility import works_visible_to

from ..models import InboxItem, InboxKind

PER_PAGE = 20
#: ``?filters[read]=`` values and what they show.
SHOWS = {"": None, "true": True, "false": False}
ANONYMOUS_CREATOR = "Anonymous Creator"


@dataclass
class InboxEntry:
    item: InboxItem
    #: Who caused the news, as shown ("ashby_reader", "Lark (guest)"), or "".
    who: str
    #: The user page of ``who``, when there is one to link.
    who_url: str
    #: The work's title, "(Deleted work)" when the owner may no longer see it.
    work_title: str
    work_url: str
    #: A link to the comment, or "".
    comment_url: str
    #: The comment's text (sanitised HTML), or "" when gone or not a comment.
    comment_html: str
    #: The item's plain text, "" when its work is gone.
    text: str
    gone: bool
    can_reply: bool


def _require_owner(viewer, owner) -> None:
    if not getattr(viewer, "is_authenticated", False) or viewer.pk != owner.pk:
        raise PermissionDenied("Sorry, you don't have permission to see that inbox.")


#: Where a page that has read the count already leaves it on its request's user.
_KNOWN = "_inbox_unread_known"


def inbox_unread_count(user) -> int:
    """How many unread entries ``user`` has (0 for a guest). For the page header."""
    if not getattr(user, "is_authenticated", False):
        return 0
    known = getattr(user, _KNOWN, None)
    if known is not None:
        return known
    return InboxItem.objects.filter(user=user, read=False).count()


def inbox_unread_known(user, count: int) -> None:
    """``count`` was read this request with the rest of the page (the work
    page's ``reader_state``): the header shows it without asking again. Kept
    on this request's user object only, so it lives as long as the request."""
    setattr(user, _KNOWN, count)


def inbox_items_of(*, viewer, owner, read: bool | None = None):
    """The owner's entries, newest first; ``read`` filters read/unread."""
    _require_owner(viewer, owner)
    items = InboxItem.objects.filter(user=owner)
    if read is not None:
        items = items.filter(read=read)
    return items.order_by("-created_at", "-pk")


def _comment_author(comment, anonymous_creators: set[int]) -> tuple[str, str]:
    if comment.user_id is None:
        return f"{comment.guest_name} (guest)", ""
    if comment.user_id in anonymous_creators:
        return ANONYMOUS_CREATOR, ""
    username = comment.user.username if comment.user else ""
    name = comment.pseud.name if comment.pseud else username
    shown = name if name == username else f"{name} ({username})"
    return shown, f"/users/{username}"


def _entries(owner, items: list[InboxItem]) -> list[InboxEntry]:
    work_ids = {item.work_id for item in items if item.work_id}
    work_ids |= {item.comment.work_id for item in items if item.comment_id}
    visible = set(
        works_visible_to(owner, Work.objects.filter(pk__in=work_ids)).values_list("pk", flat=True)
    )
    anonymous_ids = set(
        Work.objects.filter(pk__in=work_ids, anonymous=True).values_list("pk", flat=True)
    )
    anonymous_creators: dict[int, set[int]] = {pk: set() for pk in anonymous_ids}
    for work_id, user_id in Creatorship.objects.filter(
        work_id__in=anonymous_ids, accepted=True
    ).values_list("work_id", "pseud__user_id"):
        anonymous_creators[work_id].add(user_id)

    entries = []
    for item in items:
        comment = item.comment
        work = item.work or (comment.work if comment else None)
        gone = work is not None and work.pk not in visible
        hidden_from_owner = (
            anonymous_creators.get(work.pk, set()) - {owner.pk} if work is not None else set()
        )
        who, who_url, comment_url, comment_html = "", "", "", ""
        can_reply = False
        if comment is not None and not gone:
            comment_url = f"/comments/{comment.pk}"
            if comment.deleted or comment.hidden_by_admin or comment.spam:
                comment_html = ""
            else:
                comment_html = comment.content
                who, who_url = _comment_author(comment, hidden_from_owner)
                can_reply = (
                    item.kind in (InboxKind.COMMENT, InboxKind.REPLY)
                    and comment.approved and not comment.frozen
                )
        elif item.correction is not None and not gone:
            reader = item.correction.reader
            if reader is not None and reader.pk != owner.pk:
                who, who_url = reader.username, f"/users/{reader.username}"
        if work is None:
            title, url = "", ""
        elif gone:
            title, url = "(Deleted work)", ""
        else:
            title = work.title
            url = f"/works/{work.pk}"
            if item.chapter_id:
                url += f"/chapters/{item.chapter_id}"
        entries.append(
            InboxEntry(
                item=item, who=who, who_url=who_url, work_title=title, work_url=url,
                comment_url=comment_url, comment_html=comment_html,
                text="" if gone else item.text, gone=gone, can_reply=can_reply,
            )
        )
    return entries


def inbox_page(*, viewer, owner, read: bool | None = None, page=1) -> Page:
    """One page of the owner's inbox, each entry ready to draw (a handful of
    queries whatever the page holds)."""
    items = inbox_items_of(viewer=viewer, owner=owner, read=read).select_related(
        "work", "comment__work", "comment__user", "comment__pseud", "correction__reader",
    )
    return paginate(items, page, per_page=PER_PAGE, prepare=lambda found: _entries(owner, found))
