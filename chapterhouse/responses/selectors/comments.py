"""Reads for comments: who may comment where, and the threads a viewer sees.

Rules of sight (docs/comments.md):

- Everyone sees approved comments that are neither hidden nor spam, on works
  they may see (the works door: ``works.selectors.visibility``).
- A comment waiting for approval (moderated works) is shown to the work's
  creators and to its author, with a note; a comment hidden by the creator is
  shown, marked hidden, to the creators and its author.
- A deleted comment that still has replies is shown as "(Previous comment
  deleted.)"; one whose replies are all out of sight is not shown.
- The creators of an anonymous work show as "Anonymous Creator" in comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from chapterhouse.accounts.models import Block, Preference
from chapterhouse.accounts.selectors import blocked_by_any, is_blocked, pseuds_of
from chapterhouse.works.models import CommentPermission, Creatorship, Work
from chapterhouse.works.selectors.listing import Page, page_number
from chapterhouse.works.selectors.visibility import can_view_work, signed_in_user, work_needs_login

from ..models import Comment

#: Replies nest this many levels below a top comment (depth 0..MAX_DEPTH); a
#: reply to a comment at the deepest level is put beside it.
MAX_DEPTH = 4
#: Top-level threads per page of comments.
THREADS_PER_PAGE = 20

ANONYMOUS_CREATOR = "Anonymous Creator"
STASH_PREFIX = "chapterhouse.comment:"
#: Session key: the form key of a comment just posted (the browser forgets its copy).
POSTED_MARK = "chapterhouse.comment_posted"

REFUSE_NONE = "Sorry, this work doesn't allow comments."
REFUSE_GUESTS = "Sorry, this work doesn't allow non-Archive users to comment."
REFUSE_RESTRICTED = (
    "Sorry, this work is only available to registered users of the Archive, so only "
    "they can comment on it."
)
REFUSE_HIDDEN = "Sorry, you can't comment on this work."
#: A block is never named (docs/blocking.md): the blocked reader reads the same
#: sentence as for any other refusal that has nothing more to say.
REFUSE_BLOCKED = REFUSE_HIDDEN
REFUSE_FROZEN = "This comment thread has been frozen; no new replies can be added."
REFUSE_PARENT_GONE = "Sorry, you can't reply to this comment."
REFUSE_PARENT_BLOCKED = REFUSE_PARENT_GONE
REFUSE_GUEST_REPLIES = (
    "Sorry, this user doesn't allow non-Archive users to reply to their comments."
)


def creator_user_ids(work) -> set[int]:
    """The users behind the work's accepted creatorships."""
    return set(
        Creatorship.objects.filter(work=work, accepted=True).values_list("pseud__user_id",
                                                                          flat=True)
    )


def can_moderate(viewer, work, *, creator_ids: set[int] | None = None) -> bool:
    """Creators of the work and admins may freeze, hide, approve and delete."""
    user = signed_in_user(viewer)
    if user is None:
        return False
    if user.is_staff:
        return True
    ids = creator_user_ids(work) if creator_ids is None else creator_ids
    return user.pk in ids


def commenter_name(comment: Comment, *, creator_ids: set[int]) -> str:
    """How the comment's author is named: her pseud, the guest's name, or
    "Anonymous Creator" for a creator of an anonymous work."""
    if comment.user_id is None:
        return comment.guest_name
    if comment.work.anonymous and comment.user_id in creator_ids:
        return ANONYMOUS_CREATOR
    pseud = comment.pseud
    if pseud is None:
        return comment.user.username if comment.user else "(former user)"
    username = comment.user.username if comment.user else ""
    return pseud.name if pseud.name == username else f"{pseud.name} ({username})"


def comment_refusal(
    *, work, viewer, parent: Comment | None = None, creator_ids: set[int] | None = None,
    visible: bool | None = None, blocked: bool | None = None,
) -> str | None:
    """Why ``viewer`` may not comment on ``work`` (or reply to ``parent``), or
    None when she may. Pass ``visible`` when the caller already knows the
    viewer may see the work, and ``blocked`` when it knows whether one of
    ``creator_ids`` blocked her."""
    user = signed_in_user(viewer)
    if visible is None:
        visible = can_view_work(viewer, work)
    if not visible:
        if user is None and work_needs_login(viewer, work.pk):
            return REFUSE_RESTRICTED
        return REFUSE_HIDDEN
    creators = creator_user_ids(work) if creator_ids is None else creator_ids
    is_creator = user is not None and user.pk in creators
    if not is_creator:
        if work.comment_permission == CommentPermission.NONE:
            return REFUSE_NONE
        if user is None and work.restricted:
            return REFUSE_RESTRICTED
        if user is None and work.comment_permission == CommentPermission.REGISTERED:
            return REFUSE_GUESTS
        if blocked is None:
            blocked = user is not None and blocked_by_any(users=creators, blocked=user)
        if user is not None and blocked:
            return REFUSE_BLOCKED
    if parent is None:
        return None
    if parent.work_id != work.pk:
        return REFUSE_PARENT_GONE
    if parent.deleted or parent.spam or parent.hidden_by_admin or parent.hidden_by_creator:
        return REFUSE_PARENT_GONE
    if not parent.approved:
        return REFUSE_PARENT_GONE
    if parent.frozen:
        return REFUSE_FROZEN
    if parent.user_id is not None:
        if user is not None and is_blocked(blocker=parent.user_id, blocked=user):
            return REFUSE_PARENT_BLOCKED
        if user is None and Preference.objects.filter(
            user_id=parent.user_id, guest_replies_off=True
        ).exists():
            return REFUSE_GUEST_REPLIES
    return None


# What a viewer sees ---------------------------------------------------------


def _seen_q(user, moderator: bool) -> Q:
    """Comments the viewer sees (deleted placeholders included)."""
    shown = Q(approved=True, hidden_by_creator=False, hidden_by_admin=False, spam=False)
    if user is not None and user.is_staff:
        return Q()
    if moderator:
        return Q(hidden_by_admin=False, spam=False)
    if user is not None:
        return shown | Q(user=user, hidden_by_admin=False, spam=False, deleted=False)
    return shown


def _state(comment: Comment) -> str:
    if comment.deleted:
        return "deleted"
    if not comment.approved:
        return "waiting"
    if comment.hidden_by_creator or comment.hidden_by_admin or comment.spam:
        return "hidden"
    return "shown"


@dataclass
class CommentNode:
    """One comment as the viewer sees it, with its replies."""

    comment: Comment
    state: str  # shown, hidden, waiting, deleted
    name: str
    username: str | None  # link target /users/NAME; None for guests and anonymous creators
    chapter_number: int | None = None
    replies: list[CommentNode] = field(default_factory=list)
    can_reply: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_moderate: bool = False

    @property
    def pk(self) -> int:
        return self.comment.pk


@dataclass
class Viewing:
    """What is fixed for one viewer on one work while drawing its comments."""

    work: Work
    user: object
    creator_ids: set[int]
    moderator: bool
    refusal: str | None  # why she may not comment on the work at all
    blocked_by: set[int] = field(default_factory=set)  # comment authors who blocked her
    no_guest_replies: set[int] = field(default_factory=set)
    chapter_numbers: dict[int, int] = field(default_factory=dict)


def _viewing(viewer, work, *, creator_ids=None, chapter_numbers=None, blocked=None) -> Viewing:
    user = signed_in_user(viewer)
    creators = creator_user_ids(work) if creator_ids is None else creator_ids
    return Viewing(
        work=work,
        user=user,
        creator_ids=creators,
        moderator=can_moderate(user, work, creator_ids=creators),
        refusal=comment_refusal(work=work, viewer=viewer, creator_ids=creators, visible=True,
                                blocked=blocked),
        chapter_numbers=chapter_numbers or {},
    )


def _reply_rules(viewing: Viewing, comments: list[Comment]) -> None:
    """Who among these comments' authors refuses the viewer's replies (one query)."""
    authors = {c.user_id for c in comments if c.user_id}
    if not authors or viewing.refusal:
        return
    if viewing.user is not None:
        viewing.blocked_by = set(
            Block.objects.filter(blocked=viewing.user, blocker_id__in=authors).values_list(
                "blocker_id", flat=True
            )
        )
    else:
        viewing.no_guest_replies = set(
            Preference.objects.filter(user_id__in=authors, guest_replies_off=True).values_list(
                "user_id", flat=True
            )
        )


def _node(comment: Comment, viewing: Viewing) -> CommentNode:
    comment.work = viewing.work  # saves a query per comment
    state = _state(comment)
    anonymous = viewing.work.anonymous and comment.user_id in viewing.creator_ids
    user = viewing.user
    mine = user is not None and comment.user_id == user.pk
    node = CommentNode(
        comment=comment,
        state=state,
        name=commenter_name(comment, creator_ids=viewing.creator_ids),
        username=None if anonymous or comment.user is None else comment.user.username,
        chapter_number=viewing.chapter_numbers.get(comment.chapter_id),
    )
    if state == "deleted":
        return node
    node.can_edit = mine and not comment.frozen
    node.can_delete = mine or viewing.moderator
    node.can_moderate = viewing.moderator
    node.can_reply = (
        state == "shown"
        and not comment.frozen
        and viewing.refusal is None
        and comment.user_id not in viewing.blocked_by
        and (user is not None or comment.user_id not in viewing.no_guest_replies)
    )
    return node


def _trees(comments: list[Comment], viewing: Viewing, roots: list[int]) -> list[CommentNode]:
    """Nest ``comments`` under the ``roots`` ids; drop what the viewer may not see
    and deleted comments left with nothing shown below them."""
    nodes = {c.pk: _node(c, viewing) for c in comments}
    for comment in comments:
        if comment.parent_id in nodes and comment.pk not in roots:
            nodes[comment.parent_id].replies.append(nodes[comment.pk])

    def prune(node: CommentNode) -> bool:
        node.replies = [child for child in node.replies if prune(child)]
        return node.state != "deleted" or bool(node.replies)

    return [nodes[pk] for pk in roots if pk in nodes and prune(nodes[pk])]


def _thread_comments(viewing: Viewing, thread_ids) -> list[Comment]:
    return list(
        Comment.objects.filter(_seen_q(viewing.user, viewing.moderator),
                               thread_id__in=thread_ids)
        .select_related("user", "pseud")
        .order_by("thread_id", "created_at", "pk")
    )


def _targets_q(work, chapter, mode: str) -> Q:
    if mode != "chapter" or chapter is None:
        return Q(work=work)
    if getattr(chapter, "number", None) == 1:
        return Q(work=work) & (Q(chapter=chapter) | Q(chapter__isnull=True))
    return Q(work=work, chapter=chapter)


def stash_key(*, work_id=None, chapter_id=None, parent_id=None) -> str:
    """The name a comment being written is kept under (the browser uses the same)."""
    if parent_id:
        return f"comment:reply:{parent_id}"
    if chapter_id:
        return f"comment:chapter:{chapter_id}"
    return f"comment:work:{work_id}"


def _session_pop(request, name: str):
    session = getattr(request, "session", None)
    return session.pop(name, None) if session is not None else None


def stash_pop(request, key: str) -> dict | None:
    """Text a signed-out reader posted, kept for her while she logged in."""
    return _session_pop(request, STASH_PREFIX + key)


def comment_form(
    *, request, viewing: Viewing, action: str, key: str, parent: Comment | None = None,
    pseuds=None,
) -> dict:
    """What the "Post Comment" form needs: the refusal or the fields.
    ``pseuds``: the viewer's, when the caller has read them already."""
    user = viewing.user
    refusal = viewing.refusal
    if parent is not None and refusal is None:
        refusal = comment_refusal(
            work=viewing.work, viewer=user, parent=parent, creator_ids=viewing.creator_ids,
            visible=True,
        )
    form = {
        "work_id": viewing.work.pk,
        "action": action,
        "key": key,
        "refusal": refusal,
        "login_needed": user is None and refusal in (REFUSE_GUESTS, REFUSE_RESTRICTED),
        "pseuds": (
            (pseuds_of(user) if pseuds is None else list(pseuds))
            if user is not None and refusal is None else []
        ),
        "signed_in_as": user.username if user is not None else "",
        "content": "",
        "pseud_id": None,
        "name": "",
        "email": "",
        "restored": False,
        "parent_id": parent.pk if parent is not None else None,
    }
    if refusal is None:
        kept = stash_pop(request, key)
        if kept:
            form.update(content=kept.get("content", ""), pseud_id=kept.get("pseud_id"),
                        restored=True)
    return form


def _page_viewing(viewer, page, *, blocked=None) -> Viewing:
    """``Viewing`` from a ``work_page``, which already holds creators and chapters."""
    creator_ids = {c.pseud.user_id for c in page.creators}
    numbers = {c.pk: c.number for c in page.chapters} if len(page.chapters) > 1 else {}
    return _viewing(viewer, page.work, creator_ids=creator_ids, chapter_numbers=numbers,
                    blocked=blocked)


def comments_panel(*, request, page, chapter, mode, pseuds=None, blocked=None) -> dict:
    """The comments part of the work page: a "Comments (N)" link, or with
    ``?show_comments=true`` one page of threads; and the form to post one.
    ``pseuds`` and ``blocked`` (has one of the creators blocked the viewer?):
    when the caller has read them already."""
    work = page.work
    viewing = _page_viewing(request.user, page, blocked=blocked)
    if mode == "chapter" and chapter is not None:
        action = f"/chapters/{chapter.pk}/comments"
        key = stash_key(chapter_id=chapter.pk)
    else:
        action = f"/works/{work.pk}/comments"
        key = stash_key(work_id=work.pk)
    shown = request.GET.get("show_comments") == "true"
    panel = {
        "work": work,
        "shown": shown,
        "count": work.comment_count,
        "threads": [],
        "pages": None,
        "form": comment_form(
            request=request, viewing=viewing, action=action, key=key, pseuds=pseuds
        ),
        "moderator": viewing.moderator,
        "unreviewed": 0,
        "base_path": request.path,
        "query": "show_comments=true" + ("&view_full_work=true" if mode == "entire" else ""),
        "posted_key": _session_pop(request, POSTED_MARK),
    }
    if work.moderated_comments and viewing.moderator:
        panel["unreviewed"] = Comment.objects.filter(work=work, approved=False).count()
    if not shown:
        return panel
    panel["pages"] = comment_threads(
        viewing=viewing, chapter=chapter, mode=mode, page=request.GET.get("page")
    )
    panel["threads"] = panel["pages"].items
    return panel


def comment_threads(*, viewing: Viewing, chapter=None, mode: str = "entire", page=1) -> Page:
    """One page of the work's comment threads (of ``chapter`` when ``mode`` is
    "chapter") as ``viewing`` may see them: the page's ``items`` are
    ``CommentNode`` trees. The work page and the API both read them here."""
    tops = (
        Comment.objects.filter(_targets_q(viewing.work, chapter, mode), depth=0)
        .filter(_seen_q(viewing.user, viewing.moderator))
        .order_by("created_at", "pk")
    )
    total = tops.count()
    num_pages = max(1, -(-total // THREADS_PER_PAGE))
    number = min(page_number(page), num_pages)
    start = (number - 1) * THREADS_PER_PAGE
    roots = list(tops.values_list("pk", flat=True)[start:start + THREADS_PER_PAGE])
    comments = _thread_comments(viewing, roots) if roots else []
    _reply_rules(viewing, comments)
    return Page(items=_trees(comments, viewing, roots), number=number, num_pages=num_pages,
                total=total, per_page=THREADS_PER_PAGE)


def work_comment_threads(*, viewer, page, number=1) -> Page:
    """``comment_threads`` of a whole work for ``viewer``, from its ``work_page``."""
    return comment_threads(viewing=_page_viewing(viewer, page), page=number)


def comment_for(*, viewer, comment_id: int) -> Comment | None:
    """The comment, if ``viewer`` may see its work and the comment itself."""
    comment = (
        Comment.objects.select_related("work", "chapter", "parent", "user", "pseud")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None or not can_view_work(viewer, comment.work):
        return None
    user = signed_in_user(viewer)
    moderator = can_moderate(user, comment.work)
    if not Comment.objects.filter(_seen_q(user, moderator), pk=comment.pk).exists():
        return None
    return comment


def comment_thread(*, request, comment_id: int, reply: bool = False) -> dict | None:
    """The page of one comment and every reply below it (``/comments/ID``).
    ``None`` when the viewer may not see it."""
    viewer = request.user
    comment = comment_for(viewer=viewer, comment_id=comment_id)
    if comment is None:
        return None
    work = comment.work
    viewing = _viewing(viewer, work)
    thread = _thread_comments(viewing, [comment.thread_id])
    _reply_rules(viewing, thread)
    below = {comment.pk}
    subtree = []
    for each in thread:  # ordered by time: parents come before their replies
        if each.pk == comment.pk or each.parent_id in below:
            below.add(each.pk)
            subtree.append(each)
    trees = _trees(subtree, viewing, [comment.pk])
    form = None
    if reply:
        form = comment_form(
            request=request, viewing=viewing, action=f"/comments/{comment.pk}/comments",
            key=stash_key(parent_id=comment.pk), parent=comment,
        )
    return {
        "comment": comment,
        "work": work,
        "threads": trees,
        "form": form,
        "moderator": viewing.moderator,
    }


def comments_unreviewed(*, viewer, work_id: int) -> dict | None:
    """The moderation queue of a work; ``None`` unless the viewer moderates it."""
    work = Work.objects.filter(pk=work_id).first()
    if work is None or not can_view_work(viewer, work):
        return None
    viewing = _viewing(viewer, work)
    if not viewing.moderator:
        return None
    waiting = list(
        Comment.objects.filter(work=work, approved=False)
        .select_related("user", "pseud", "chapter")
        .order_by("created_at", "pk")
    )
    return {"work": work, "threads": [_node(c, viewing) for c in waiting]}


__all__ = [
    "ANONYMOUS_CREATOR", "MAX_DEPTH", "THREADS_PER_PAGE", "CommentNode", "can_moderate",
    "comment_for", "comment_refusal", "comment_thread", "commenter_name", "comments_panel",
    "comments_unreviewed", "creator_user_ids", "stash_key", "stash_pop",
]
