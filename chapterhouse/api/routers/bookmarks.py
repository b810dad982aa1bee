"""Reads of bookmarks: ``GET /bookmarks/{id}``. A work's bookmarks are at
``GET /works/{id}/bookmarks``, a user's at ``GET /users/{name}/bookmarks``.
Writes live in ``bookmarks_writes.py`` on this same ``router``.

Privacy is the site's (``responses/selectors/bookmarks.py``): private
bookmarks to their owner alone, a work's bookmark only while the caller may
see the work."""

from __future__ import annotations

from ninja import Router
from ninja.errors import HttpError

from chapterhouse.responses.selectors.bookmarks import bookmark_detail as find_bookmark

from ..auth import READ_AUTH, viewer_of
from ..schemas import READ_ERRORS, BookmarkOut, bookmark_out
from .works import MAX_ID

PREFIX = "/bookmarks"
router = Router(tags=["bookmarks"])


@router.get("/{int:bookmark_id}", response={200: BookmarkOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A bookmark")
def bookmark_detail(request, bookmark_id: int):
    found = None
    if bookmark_id <= MAX_ID:
        found = find_bookmark(viewer=viewer_of(request), bookmark_id=bookmark_id)
    if found is None:
        raise HttpError(404, "We couldn't find that bookmark.")
    return bookmark_out(found)
