"""Reads about people: a public profile, a user's or pseud's works, a user's bookmarks.

A user's anonymous works are listed to herself alone, and never counted for
anyone else, as on the site.
"""

from __future__ import annotations

from ninja import Query, Router
from ninja.errors import HttpError

from chapterhouse.accounts.selectors import pseud_by_name, pseuds_of, user_by_name
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.responses.selectors.bookmarks import bookmarks_visible_to, user_bookmarks
from chapterhouse.works.selectors.listing import user_series

from ..auth import READ_AUTH, viewer_of
from ..pagination import envelope
from ..schemas import (
    READ_ERRORS,
    BookmarkPageOut,
    UserOut,
    WorkPageOut,
    bookmark_out,
    pseud_url,
    user_url,
)
from .works import PageParams, WorkSearchParams, works_listing

PREFIX = "/users"
router = Router(tags=["users"])

def _user_or_404(name: str):
    user = user_by_name(name) if "\x00" not in name else None
    if user is None:
        raise HttpError(404, "We couldn't find a user by that name.")
    return user

@router.get("/{name}", response={200: UserOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A user's public profile")
def user_detail(request, name: str):
    user = _user_or_404(name)
    viewer = viewer_of(request)
    return {
        "username": user.username,
        "url": user_url(user.username),
        "joined": user.date_joined.date(),
        "pseuds": [
            {
                "name": pseud.name,
                "url": pseud_url(user.username, pseud.name),
                "is_default": pseud.is_default,
                "description": pseud.description,
            }
            for pseud in pseuds_of(user)
        ],
        # The total the site's /users/NAME/works page shows this viewer.
        "work_count": search_works(viewer=viewer, query=WorkQuery(user_id=user.pk),
                                   with_facets=False).page.total,
        "series_count": user_series(viewer=viewer, user=user).total,
        "bookmark_count": bookmarks_visible_to(viewer).filter(user=user).count(),
    }

@router.get("/{name}/works", response={200: WorkPageOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A user's works")
def user_work_list(request, name: str, filters: Query[WorkSearchParams]):
    """The site's ``/users/NAME/works``, with the same filters as ``GET /works``."""
    user = _user_or_404(name)
    return works_listing(request, base=WorkQuery(user_id=user.pk))

@router.get("/{name}/pseuds/{pseud}/works", response={200: WorkPageOut, **READ_ERRORS},
            auth=READ_AUTH, summary="A pseud's works")
def pseud_work_list(request, name: str, pseud: str, filters: Query[WorkSearchParams]):
    user = _user_or_404(name)
    found = pseud_by_name(user, pseud) if "\x00" not in pseud else None
    if found is None:
        raise HttpError(404, f"{user.username} has no pseud called {pseud}.")
    return works_listing(request, base=WorkQuery(user_id=user.pk, pseud_id=found.pk))

@router.get("/{name}/bookmarks", response={200: BookmarkPageOut, **READ_ERRORS},
            auth=READ_AUTH, summary="A user's bookmarks")
def user_bookmark_list(request, name: str, params: Query[PageParams]):
    """Newest first; private bookmarks to their owner alone."""
    user = _user_or_404(name)
    found = user_bookmarks(viewer=viewer_of(request), user=user, page=params.page or 1)
    return envelope(request, found, bookmark_out)
