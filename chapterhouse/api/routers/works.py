"""Reads of works: search and listings (``GET /works``), one work, its chapters
and its bookmarks. Writes to these paths live in ``works_writes.py`` and
``bookmarks_writes.py``, on this same ``router``.

A work the caller may not see answers 404 — except a restricted work asked
for without a token, which answers 401: the site's page tells guests such a
work exists and asks them to log in, so the API says the same.
"""

from __future__ import annotations

from django.http import QueryDict
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from chapterhouse.accounts.selectors import pseud_by_name, user_by_name
from chapterhouse.discovery.params import work_query_from_params
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.responses.selectors.bookmarks import work_bookmarks
from chapterhouse.tags.page_selectors import tag_visible
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.listing import page_number
from chapterhouse.works.selectors.reading import WorkPage, work_page
from chapterhouse.works.selectors.visibility import work_needs_login

from ..auth import READ_AUTH, viewer_of
from ..pagination import envelope
from ..schemas import (
    READ_ERRORS,
    BookmarkPageOut,
    ChapterOut,
    WorkOut,
    WorkPageOut,
    bookmark_out,
    chapter_out,
    work_out,
    work_summary,
)

PREFIX = "/works"
router = Router(tags=["works"])

RESTRICTED_MESSAGE = (
    "This work is only for signed-in readers: send a personal access token "
    "(Authorization: Bearer TOKEN)."
)
NO_WORK = "We couldn't find that work."
#: The largest id a row can have; larger ones name nothing (and the database
#: would refuse to compare them).
MAX_ID = 2**63 - 1


def visible_work_page(request, work_id: int) -> WorkPage:
    """The work page's reads for the caller, or 401/404 as explained above."""
    viewer = viewer_of(request)
    page = work_page(viewer=viewer, work_id=work_id) if work_id <= MAX_ID else None
    if page is None:
        if work_needs_login(viewer, work_id):
            raise HttpError(401, RESTRICTED_MESSAGE)
        raise HttpError(404, NO_WORK)
    return page


def visible_work(request, work_id: int) -> Work:
    return visible_work_page(request, work_id).work


# Search and listings ------------------------------------------------------------------

#: Plain names accepted beside AO3's, and the AO3 parameter each stands for.
ALIASES = {
    "q": "work_search[query]",
    "title": "work_search[title]",
    "creators": "work_search[creators]",
    "tag": "work_search[other_tag_names]",
    "fandom": "work_search[fandom_names]",
    "exclude_tag": "work_search[excluded_tag_names]",
    "sort": "work_search[sort_column]",
    "direction": "work_search[sort_direction]",
    "complete": "work_search[complete]",
    "crossover": "work_search[crossover]",
    "language": "work_search[language_id]",
    "words": "work_search[word_count]",
}


def _text(alias: str, description: str):
    return Field(None, alias=alias, description=description)


class WorkSearchParams(Schema):
    """The filters of the site's ``/works`` listing and ``/works/search`` form.

    Documented here so clients can find them; the operation reads the query
    string exactly as the site does (``discovery/params.py``), so any spelling
    the site accepts (e.g. ``include_work_search[fandom_ids][]``) works too.
    """

    # Where: the listing's own place, as on the site's /works.
    tag_id: str | None = Field(None, description="Works listed under this tag (its name).")
    user_id: str | None = Field(None, description="Works by this user (user name).")
    pseud_id: str | None = Field(None, description="…by this pseud of user_id (pseud name).")
    # Text.
    query: str | None = _text("work_search[query]",
                              "Any field, in the site's search syntax (alias: q).")
    title: str | None = _text("work_search[title]", "Title (alias: title).")
    creators: str | None = _text("work_search[creators]", "Creator (alias: creators).")
    # Tags by name (comma-separated).
    other_tag_names: str | None = _text("work_search[other_tag_names]",
                                        "Tags every work must have (alias: tag).")
    fandom_names: str | None = _text("work_search[fandom_names]", "Fandoms (alias: fandom).")
    character_names: str | None = _text("work_search[character_names]", "Characters.")
    relationship_names: str | None = _text("work_search[relationship_names]", "Relationships.")
    freeform_names: str | None = _text("work_search[freeform_names]", "Additional tags.")
    excluded_tag_names: str | None = _text("work_search[excluded_tag_names]",
                                           "Tags no work may have (alias: exclude_tag).")
    # Tags by id.
    rating_ids: list[int] | None = Field(None, alias="include_work_search[rating_ids][]",
                                         description="Ratings (any of them).")
    include_tag_ids: list[int] | None = Field(
        None, alias="include_work_search[freeform_ids][]",
        description="Additional tag ids every work must have; the same works for "
                    "fandom_ids, character_ids, relationship_ids, archive_warning_ids, "
                    "category_ids.",
    )
    exclude_tag_ids: list[int] | None = Field(
        None, alias="exclude_work_search[freeform_ids][]",
        description="Tag ids no work may have (any group name works, as above).",
    )
    # Yes/no: T, F, or empty for either.
    complete: str | None = _text("work_search[complete]", "T or F (alias: complete).")
    crossover: str | None = _text("work_search[crossover]", "T or F (alias: crossover).")
    single_chapter: str | None = _text("work_search[single_chapter]", "1 for one-shots only.")
    language_id: str | None = _text("work_search[language_id]",
                                    "Language code (alias: language).")
    # Ranges: 1000, >1000, <1000, 100-500.
    word_count: str | None = _text("work_search[word_count]", "Word count range (alias: words).")
    hits: str | None = _text("work_search[hits]", "Hits range.")
    kudos_count: str | None = _text("work_search[kudos_count]", "Kudos range.")
    comments_count: str | None = _text("work_search[comments_count]", "Comments range.")
    bookmarks_count: str | None = _text("work_search[bookmarks_count]", "Bookmarks range.")
    revised_at: str | None = _text("work_search[revised_at]",
                                   "Updated, e.g. '< 2 weeks', '1-3 months'.")
    # Order.
    sort_column: str | None = _text(
        "work_search[sort_column]",
        "_score (best match, with text), authors_to_sort_on, title_to_sort_on, created_at, "
        "revised_at (default), word_count, hits, kudos_count, comments_count, "
        "bookmarks_count (alias: sort).",
    )
    sort_direction: str | None = _text("work_search[sort_direction]",
                                       "asc or desc (alias: direction).")
    page: int | None = Field(None, ge=1, le=100_000, description="Page number, 20 works a page.")


def listing_params(request) -> QueryDict:
    """The request's query string with the plain aliases spelled as the site spells them."""
    params = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        # No name or text holds a NUL; PostgreSQL refuses to even compare one.
        params.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
    for alias, name in ALIASES.items():
        if alias in params and name not in params:
            params.setlist(name, params.getlist(alias))
    return params


def works_listing(request, *, base: WorkQuery) -> dict:
    """One page of works answering the request's filters on top of ``base``:
    the same query, the same selector and so the same works as the site's page."""
    params = listing_params(request)
    query = work_query_from_params(params, base=base, search_form=True)
    results = search_works(
        viewer=viewer_of(request), query=query, page=page_number(params.get("page")),
        with_facets=False,
    )
    notices = list(dict.fromkeys([*query.errors, *results.query.errors, *results.notices]))
    return envelope(request, results.page, work_summary, notices=notices)


@router.get("", response={200: WorkPageOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="Search and list works")
def works_index(request, filters: Query[WorkSearchParams]):
    """The works the caller may see that match the filters, 20 a page, newest
    update first unless sorted otherwise. Without filters: the most recent works."""
    params = listing_params(request)
    base = WorkQuery()
    tag_name = (params.get("tag_id") or "").strip()
    if tag_name:
        tag = tag_visible(viewer=viewer_of(request), url_name=tag_name)
        if tag is None:
            raise HttpError(404, "We couldn't find a tag by that name.")
        if tag.merger_id and tag.merger_id != tag.pk:
            tag = tag.merger
        base = base.with_(tag_ids=(tag.pk,))
    user_name = (params.get("user_id") or "").strip()
    pseud_name = (params.get("pseud_id") or "").strip()
    if pseud_name and not user_name:
        raise HttpError(404, "A pseud is named together with its user (user_id).")
    if user_name:
        user = user_by_name(user_name)
        if user is None:
            raise HttpError(404, "We couldn't find a user by that name.")
        base = base.with_(user_id=user.pk)
        if pseud_name:
            pseud = pseud_by_name(user, pseud_name)
            if pseud is None:
                raise HttpError(404, "We couldn't find a pseud by that name.")
            base = base.with_(pseud_id=pseud.pk)
    return works_listing(request, base=base)


# One work -------------------------------------------------------------------------------


@router.get("/{int:work_id}", response={200: WorkOut, **READ_ERRORS}, auth=READ_AUTH,
            summary="A work")
def work_detail(request, work_id: int):
    """What the work's page shows: metadata, tags, notes, series, the chapters
    the caller may read, statistics and download addresses."""
    return work_out(visible_work_page(request, work_id))


@router.get("/{int:work_id}/chapters", response={200: list[ChapterOut], **READ_ERRORS},
            auth=READ_AUTH, summary="A work's chapters, with their text")
def work_chapters(request, work_id: int):
    """Every chapter the caller may read, in order (the site's "Entire Work")."""
    page = visible_work_page(request, work_id)
    return [chapter_out(chapter) for chapter in page.chapters]


class PageParams(Schema):
    page: int | None = Field(None, ge=1, le=100_000, description="Page number, 20 a page.")


@router.get("/{int:work_id}/bookmarks", response={200: BookmarkPageOut, **READ_ERRORS},
            auth=READ_AUTH, summary="A work's public bookmarks")
def work_bookmark_list(request, work_id: int, params: Query[PageParams]):
    """The bookmarks the site lists on the work's bookmarks page, newest first."""
    work = visible_work(request, work_id)
    found = work_bookmarks(viewer=viewer_of(request), work=work, page=params.page or 1)
    return envelope(request, found, bookmark_out)
