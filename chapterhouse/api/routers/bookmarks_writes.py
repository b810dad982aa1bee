"""Bookmarks through the API: ``POST /works/{id}/bookmarks`` (on the works
router) and ``PATCH``/``DELETE /bookmarks/{id}`` (on the bookmarks router),
through ``responses.services.bookmarks``: one bookmark per reader per work,
only of works she may see, changed only by its owner."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Status

from chapterhouse.accounts.models import Pseud
from chapterhouse.accounts.selectors import default_pseud
from chapterhouse.responses.models import Bookmark
from chapterhouse.responses.selectors.bookmarks import (
    bookmark_detail,
    bookmark_tag_string,
    bookmarks_visible_to,
)
from chapterhouse.responses.services import bookmarks as bookmark_services

from ..auth import WRITE_AUTH, viewer_of
from ..schemas import BookmarkOut, bookmark_out
from ..schemas_writes import (
    WRITE_ERRORS,
    BookmarkIn,
    BookmarkPatch,
    visible_work,
    write_operation,
)
from .bookmarks import router
from .works import router as works_router

FIELD_NAMES = {"pseud": "pseud_id", "tag_string": "tags"}


def _pseud(user, pseud_id: int | None) -> Pseud | None:
    if pseud_id is None:
        return None
    found = Pseud.objects.filter(pk=pseud_id, user=user).first()
    if found is None:
        raise ValidationError({"pseud_id": ["Please choose one of your own pseuds."]})
    return found


def _tag_string(names: list[str]) -> str:
    for name in names:
        if "," in name:
            raise ValidationError({"tags": [
                f"Tag names cannot contain commas ('{name}'): give each tag as its own item."
            ]})
    return ", ".join(names)


def bookmark_written(user, bookmark: Bookmark) -> dict:
    """The bookmark as its owner now sees it (private ones included)."""
    return bookmark_out(bookmark_detail(viewer=user, bookmark_id=bookmark.pk))


@works_router.post("/{int:work_id}/bookmarks", auth=WRITE_AUTH,
                   response={201: BookmarkOut, **WRITE_ERRORS}, tags=["bookmarks"],
                   summary="Bookmark a work")
@write_operation(field_names=FIELD_NAMES)
def work_bookmark(request: HttpRequest, work_id: int, payload: BookmarkIn):
    """Refused (422) when you have bookmarked the work already."""
    user = viewer_of(request)
    work = visible_work(user, work_id)
    pseud = _pseud(user, payload.pseud_id) or default_pseud(user)
    bookmark = bookmark_services.bookmark_create(
        user=user, pseud=pseud, work=work, notes=payload.notes,
        tag_string=_tag_string(payload.tags), private=payload.private, rec=payload.rec,
    )
    return Status(201, bookmark_written(user, bookmark))


def _bookmark(user, bookmark_id: int) -> Bookmark:
    """The bookmark, if ``user`` may see it: someone else's private one is as
    good as missing (the services then refuse a bookmark that is not hers)."""
    bookmark = bookmarks_visible_to(user).filter(pk=bookmark_id).first()
    if bookmark is None:
        raise Http404("We couldn't find that bookmark.")
    return bookmark


@router.patch("/{int:bookmark_id}", auth=WRITE_AUTH,
              response={200: BookmarkOut, **WRITE_ERRORS}, tags=["bookmarks"],
              summary="Edit your bookmark")
@write_operation(field_names=FIELD_NAMES)
def bookmark_change(request: HttpRequest, bookmark_id: int, payload: BookmarkPatch):
    """Only the fields you send change."""
    user = viewer_of(request)
    bookmark = _bookmark(user, bookmark_id)
    data = payload.model_dump(exclude_unset=True)
    if "tags" in data:
        tag_string = _tag_string(data["tags"] or [])
    else:
        tag_string = bookmark_tag_string(bookmark)
    bookmark = bookmark_services.bookmark_update(
        bookmark=bookmark, user=user,
        pseud=_pseud(user, data.get("pseud_id")),
        notes=data["notes"] or "" if "notes" in data else bookmark.notes,
        tag_string=tag_string,
        private=data["private"] if data.get("private") is not None else bookmark.private,
        rec=data["rec"] if data.get("rec") is not None else bookmark.rec,
    )
    return Status(200, bookmark_written(user, bookmark))


@router.delete("/{int:bookmark_id}", auth=WRITE_AUTH, response={204: None, **WRITE_ERRORS},
               tags=["bookmarks"], summary="Delete your bookmark")
@write_operation(field_names=FIELD_NAMES)
def bookmark_remove(request: HttpRequest, bookmark_id: int):
    user = viewer_of(request)
    bookmark_services.bookmark_delete(bookmark=_bookmark(user, bookmark_id), user=user)
    return Status(204, None)
