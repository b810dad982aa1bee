"""Comments through the API, by the page's rules.

``GET /works/{id}/comments`` reads through ``responses.selectors.comments``
(``comments_panel``), so hidden, waiting and deleted comments show to the
same people as on the work page. Posting, replying, editing and deleting go
through ``responses.services.comments``. The ``/works/{id}/comments`` path
lives on the works router (one router per path); ``/comments/{id}…`` here.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from chapterhouse.responses.models import Comment
from chapterhouse.responses.selectors.comments import (
    ANONYMOUS_CREATOR,
    THREADS_PER_PAGE,
    CommentNode,
    comment_for,
    commenter_name,
    creator_user_ids,
    work_comment_threads,
)
from chapterhouse.responses.services.comments import (
    comment_create,
    comment_delete,
    comment_edit,
)
from chapterhouse.works.selectors.visibility import chapters_visible_to

from ..auth import READ_AUTH, WRITE_AUTH, viewer_of
from ..schemas import READ_ERRORS
from ..schemas_writes import (
    WRITE_ERRORS,
    CommentEditIn,
    CommentIn,
    CommentOut,
    CommentPage,
    ReplyIn,
    site_url,
    visible_work,
    write_operation,
)
from .works import router as works_router
from .works import visible_work_page

router = Router(tags=["comments"])
PREFIX = "/comments"


def _out(node: CommentNode) -> CommentOut:
    comment = node.comment
    deleted = node.state == "deleted"
    return CommentOut(
        id=comment.pk,
        work_id=comment.work_id,
        chapter_id=comment.chapter_id,
        chapter_number=node.chapter_number,
        parent_id=comment.parent_id,
        thread_id=comment.thread_id,
        depth=comment.depth,
        state=node.state,
        name="" if deleted else node.name,
        username=None if deleted else node.username,
        content="" if deleted else comment.content,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        url=site_url(f"/comments/{comment.pk}"),
        can_reply=node.can_reply,
        can_edit=node.can_edit,
        can_delete=node.can_delete,
    )


def _flat(nodes: list[CommentNode]) -> list[CommentOut]:
    found: list[CommentOut] = []
    for node in nodes:
        found.append(_out(node))
        found.extend(_flat(node.replies))
    return found


def _written(comment: Comment) -> CommentOut:
    """The comment just written, as its author sees it."""
    name = commenter_name(comment, creator_ids=creator_user_ids(comment.work))
    anonymous = name == ANONYMOUS_CREATOR
    return _out(CommentNode(
        comment=comment, state="shown" if comment.approved else "waiting", name=name,
        username=None if anonymous or comment.user is None else comment.user.username,
        can_edit=not comment.frozen, can_delete=True, can_reply=comment.approved,
    ))


class CommentsQuery(Schema):
    page: int = 1


@works_router.get(
    "/{int:work_id}/comments", auth=READ_AUTH, response={200: CommentPage, **READ_ERRORS},
    tags=["comments"], summary="A work's comments",
)
def work_comments(request: HttpRequest, work_id: int, query: Query[CommentsQuery]):
    """One page of threads (20 top-level comments with all their replies), as
    the work page shows them to you."""
    page = visible_work_page(request, work_id)
    pages = work_comment_threads(viewer=viewer_of(request), page=page, number=query.page)
    return CommentPage(
        items=_flat(pages.items), page=pages.number, num_pages=pages.num_pages,
        threads=pages.total, per_page=THREADS_PER_PAGE,
    )


@works_router.post(
    "/{int:work_id}/comments", auth=WRITE_AUTH, response={201: CommentOut, **WRITE_ERRORS},
    tags=["comments"], summary="Comment on a work or one of its chapters",
)
@write_operation
def work_comment_post(request: HttpRequest, work_id: int, payload: CommentIn):
    viewer = viewer_of(request)
    work = visible_work(viewer, work_id)
    chapter = None
    if payload.chapter_id is not None:
        chapter = chapters_visible_to(viewer, work).filter(pk=payload.chapter_id).first()
        if chapter is None:
            raise ValidationError({"chapter_id": ["That chapter is not part of this work."]})
    comment = comment_create(
        work=work, viewer=viewer, content=payload.content, pseud=payload.pseud_id,
        chapter=chapter,
    )
    return Status(201, _written(comment))


def _comment(viewer, comment_id: int) -> Comment:
    comment = comment_for(viewer=viewer, comment_id=comment_id)
    if comment is None:
        raise Http404("We couldn't find that comment.")
    return comment


@router.post(
    "/{int:comment_id}/replies", auth=WRITE_AUTH, response={201: CommentOut, **WRITE_ERRORS},
    summary="Reply to a comment",
)
@write_operation
def comment_reply(request: HttpRequest, comment_id: int, payload: ReplyIn):
    viewer = viewer_of(request)
    parent = _comment(viewer, comment_id)
    comment = comment_create(
        work=parent.work, viewer=viewer, content=payload.content, pseud=payload.pseud_id,
        parent=parent,
    )
    return Status(201, _written(comment))


@router.patch(
    "/{int:comment_id}", auth=WRITE_AUTH, response={200: CommentOut, **WRITE_ERRORS},
    summary="Edit your comment",
)
@write_operation
def comment_change(request: HttpRequest, comment_id: int, payload: CommentEditIn):
    viewer = viewer_of(request)
    comment = comment_edit(
        comment=_comment(viewer, comment_id), viewer=viewer, content=payload.content
    )
    return Status(200, _written(comment))


@router.delete(
    "/{int:comment_id}", auth=WRITE_AUTH, response={204: None, **WRITE_ERRORS},
    summary="Delete a comment (yours, or one on your work)",
)
@write_operation
def comment_remove(request: HttpRequest, comment_id: int):
    viewer = viewer_of(request)
    comment_delete(comment=_comment(viewer, comment_id), viewer=viewer)
    return Status(204, None)
