"""What the API answers: the shared output schemas, and the functions that fill them.

Every schema here describes something a page already shows, with the same
privacy: the functions take objects that a selector has already let through
the one door (``works/selectors/visibility.py``) and never look further.
Anonymous works name no creator anywhere: their ``creators`` is one entry
"Anonymous" with no user and no address.

Write operations answer with these same schemas (``WorkOut``, ``ChapterOut``,
``BookmarkOut``…), so a client reads a work the same way whether it just
posted it or fetched it. Names are stable; add fields, never rename them.

URLs in answers are absolute, built on ``settings.SITE_URL``.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.conf import settings
from django.utils import timezone
from ninja import Schema
from pydantic import Field

from chapterhouse.exchange.downloads.files import served_formats
from chapterhouse.exchange.downloads.links import download_path
from chapterhouse.tags.models import TagType
from chapterhouse.tags.page_selectors import tag_path

# Schemas ----------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, in words a person can act on.")


class TagRefOut(Schema):
    name: str
    url: str = Field(description="The tag's page on the site.")


class CreatorOut(Schema):
    name: str = Field(description='The pseud as bylines show it, or "Anonymous".')
    username: str | None = Field(None, description="The account; null for anonymous works.")
    url: str | None = Field(None, description="The pseud's page; null for anonymous works.")


class SeriesPartOut(Schema):
    id: int
    title: str
    position: int = Field(description="Part number of the work in the series.")
    url: str


class StatsOut(Schema):
    hits: int
    kudos: int
    comments: int
    bookmarks: int


class ChapterLinkOut(Schema):
    id: int
    position: int = Field(description="1, 2, 3… counting the chapters the caller may read.")
    title: str
    url: str


class WorkSummary(Schema):
    """A work as a listing shows it (a blurb)."""

    id: int
    url: str
    title: str
    creators: list[CreatorOut]
    rating: list[TagRefOut]
    warnings: list[TagRefOut]
    categories: list[TagRefOut]
    fandoms: list[TagRefOut]
    relationships: list[TagRefOut]
    characters: list[TagRefOut]
    additional_tags: list[TagRefOut]
    language: str = Field(description="Language code, e.g. en.")
    summary: str = Field(description="Sanitised HTML.")
    series: list[SeriesPartOut]
    published: dt.date | None
    updated: dt.datetime | None = Field(description="When the work last got a chapter.")
    complete: bool
    chapters_display: str = Field(description='AO3\'s chapter count: "3/5", or "3/?".')
    expected_chapters: int | None
    words: int
    stats: StatsOut
    restricted: bool = Field(description="Shown to signed-in readers only.")
    posted: bool = Field(description="False for a draft (only its creators see it).")


class WorkOut(WorkSummary):
    """A work as its page shows it."""

    notes: str = Field(description="Sanitised HTML.")
    endnotes: str = Field(description="Sanitised HTML.")
    chapters: list[ChapterLinkOut] = Field(description="The chapters the caller may read.")
    downloads: dict[str, str] = Field(
        description="Download addresses by format (epub, pdf, html, txt); empty for drafts."
    )


class ChapterOut(Schema):
    id: int
    work_id: int
    url: str
    position: int = Field(description="1, 2, 3… counting the chapters the caller may read.")
    title: str
    summary: str = Field(description="Sanitised HTML.")
    notes: str = Field(description="Sanitised HTML.")
    content: str = Field(description="Sanitised HTML.")
    endnotes: str = Field(description="Sanitised HTML.")
    published: dt.date | None
    words: int
    posted: bool = Field(description="False for a chapter its creators have not posted yet.")


class TagOut(Schema):
    name: str
    url: str
    works_url: str = Field(description="The tag's works listing on the site.")
    type: str = Field(description="Fandom, Character, Relationship, Freeform, …")
    canonical: bool
    merger: TagRefOut | None = Field(None, description="The canonical tag this is a synonym of.")
    synonyms: list[TagRefOut]
    parents: list[TagRefOut]
    children: list[TagRefOut]
    metatags: list[TagRefOut]
    subtags: list[TagRefOut]
    work_count: int = Field(description="Posted works listed under it that the caller may see.")


class SeriesOut(Schema):
    id: int
    url: str
    title: str
    creators: list[CreatorOut]
    summary: str = Field(description="Sanitised HTML.")
    notes: str = Field(description="Sanitised HTML.")
    complete: bool
    began: dt.date | None
    updated: dt.date | None
    words: int
    work_count: int
    works: WorkPageOut


class PseudOut(Schema):
    name: str
    url: str
    is_default: bool
    description: str = Field(description="Sanitised HTML.")


class UserOut(Schema):
    username: str
    url: str
    joined: dt.date
    pseuds: list[PseudOut]
    work_count: int = Field(description="Posted works the caller may see.")
    series_count: int
    bookmark_count: int


class BookmarkerOut(Schema):
    name: str = Field(description="The pseud the bookmark was made under.")
    username: str
    url: str


class BookmarkSeriesOut(Schema):
    id: int
    title: str
    url: str
    creators: list[CreatorOut]
    work_count: int


class ExternalWorkOut(Schema):
    title: str
    creator: str
    url: str
    summary: str = Field(description="Sanitised HTML.")


class BookmarkOut(Schema):
    id: int
    url: str
    kind: str = Field(description="work, series or external.")
    bookmarker: BookmarkerOut
    notes: str = Field(description="Sanitised HTML.")
    tags: list[TagRefOut]
    rec: bool
    private: bool = Field(description="Only its owner ever sees a private bookmark.")
    created: dt.datetime
    updated: dt.datetime
    work: WorkSummary | None = None
    series: BookmarkSeriesOut | None = None
    external: ExternalWorkOut | None = None


class TokenOut(Schema):
    name: str
    prefix: str
    scopes: list[str]
    created: dt.datetime
    last_used: dt.datetime | None


class MeOut(Schema):
    username: str
    url: str
    token: TokenOut


class _PageOut(Schema):
    count: int = Field(description="How many there are in all.")
    page: int
    pages: int
    next: str | None = Field(description="The next page's address, or null.")
    previous: str | None = Field(description="The previous page's address, or null.")


class WorkPageOut(_PageOut):
    results: list[WorkSummary]
    notices: list[str] = Field(
        default_factory=list,
        description="Filters that could not be used as given, and why (as the site says).",
    )


class BookmarkPageOut(_PageOut):
    results: list[BookmarkOut]


SeriesOut.model_rebuild()


#: Error answers most read operations may give, for the OpenAPI document.
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 429: ErrorOut}


# Filling them ------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def tag_ref(tag) -> dict:
    """A Tag or a listing's TagRef."""
    return {"name": tag.name, "url": absolute(tag_path(tag.name))}


def pseud_url(username: str, pseud_name: str) -> str:
    return absolute(f"/users/{quote(username, safe='')}/pseuds/{quote(pseud_name, safe='')}")


def user_url(username: str) -> str:
    return absolute(f"/users/{quote(username, safe='')}")


ANONYMOUS = {"name": "Anonymous", "username": None, "url": None}


def creators_of(pseuds, *, anonymous: bool) -> list[dict]:
    """Bylines for pseuds (with ``user`` loaded); one "Anonymous" for anonymous works."""
    if anonymous:
        return [dict(ANONYMOUS)]
    return [
        {
            "name": pseud.name,
            "username": pseud.user.username,
            "url": pseud_url(pseud.user.username, pseud.name),
        }
        for pseud in pseuds
    ]


_GROUPS = {
    "rating": (TagType.RATING,),
    "warnings": (TagType.WARNING,),
    "categories": (TagType.CATEGORY,),
    "fandoms": (TagType.FANDOM,),
    "relationships": (TagType.RELATIONSHIP,),
    "characters": (TagType.CHARACTER,),
    # Unsorted tags were typed as additional tags; pages show them with them.
    "additional_tags": (TagType.FREEFORM, TagType.UNSORTED),
}


def _tag_groups(tags) -> dict[str, list[dict]]:
    return {
        key: [tag_ref(tag) for tag in tags if tag.type in types]
        for key, types in _GROUPS.items()
    }


def _stats(work) -> dict:
    return {
        "hits": work.hit_count,
        "kudos": work.kudos_count,
        "comments": work.comment_count,
        "bookmarks": work.bookmark_count,
    }


def _series_part(series, position: int) -> dict:
    return {
        "id": series.pk,
        "title": series.title,
        "position": position,
        "url": absolute(f"/series/{series.pk}"),
    }


def _work_fields(work, *, tags, pseuds, series) -> dict:
    return {
        "id": work.pk,
        "url": absolute(f"/works/{work.pk}"),
        "title": work.title,
        "creators": creators_of(pseuds, anonymous=work.anonymous),
        **_tag_groups(tags),
        "language": work.language,
        "summary": work.summary,
        "series": series,
        "published": work.published_on,
        "updated": work.revised_at,
        "complete": work.complete,
        "chapters_display": work.chapters_display,
        "expected_chapters": work.expected_chapters,
        "words": work.word_count,
        "stats": _stats(work),
        "restricted": work.restricted,
        "posted": work.posted,
    }


def work_summary(blurb) -> dict:
    """A ``works.selectors.listing.Blurb`` as a ``WorkSummary``."""
    return _work_fields(
        blurb.work,
        tags=blurb.tags,
        pseuds=[c.pseud for c in blurb.creators],
        series=[_series_part(part.series, part.position) for part in blurb.series],
    )


def work_out(page) -> dict:
    """A ``works.selectors.reading.WorkPage`` as a ``WorkOut``."""
    work = page.work
    fields = _work_fields(
        work,
        tags=page.tags,
        pseuds=[c.pseud for c in page.creators],
        series=[_series_part(link.series, link.position) for link in page.series],
    )
    fields.update(
        notes=work.notes,
        endnotes=work.endnotes,
        chapters=[
            {
                "id": chapter.pk,
                "position": chapter.number,
                "title": chapter.title,
                "url": absolute(f"/works/{work.pk}/chapters/{chapter.pk}"),
            }
            for chapter in page.chapters
        ],
        downloads=(
            {fmt: absolute(download_path(work, fmt)) for fmt in served_formats()}
            if work.posted
            else {}
        ),
    )
    return fields


def chapter_out(chapter) -> dict:
    """A chapter numbered by ``reading._numbered`` (it carries ``number``)."""
    return {
        "id": chapter.pk,
        "work_id": chapter.work_id,
        "url": absolute(f"/works/{chapter.work_id}/chapters/{chapter.pk}"),
        "position": getattr(chapter, "number", chapter.position),
        "title": chapter.title,
        "summary": chapter.summary,
        "notes": chapter.notes,
        "content": chapter.content,
        "endnotes": chapter.endnotes,
        "published": getattr(chapter, "published_date", None) or chapter.published_on,
        "words": chapter.word_count,
        "posted": bool(getattr(chapter, "is_live", chapter.posted)),
    }


def bookmark_out(item) -> dict:
    """A ``responses.selectors.bookmarks.BookmarkItem`` as a ``BookmarkOut``."""
    bookmark = item.bookmark
    pseud = bookmark.pseud
    found = {
        "id": bookmark.pk,
        "url": absolute(f"/bookmarks/{bookmark.pk}"),
        "kind": item.kind,
        "bookmarker": {
            "name": pseud.name,
            "username": pseud.user.username,
            "url": pseud_url(pseud.user.username, pseud.name),
        },
        "notes": bookmark.notes,
        "tags": [{"name": tag.name, "url": absolute(tag.href)} for tag in item.tags],
        "rec": bookmark.rec,
        "private": bookmark.private,
        "created": bookmark.created_at,
        "updated": bookmark.updated_at,
        "work": work_summary(item.blurb) if item.blurb is not None else None,
        "series": None,
        "external": None,
    }
    if item.series is not None:
        summary = item.series
        found["series"] = {
            "id": summary.series.pk,
            "title": summary.series.title,
            "url": absolute(f"/series/{summary.series.pk}"),
            "creators": creators_of(summary.creators, anonymous=summary.anonymous),
            "work_count": summary.work_count,
        }
    if item.external is not None:
        external = item.external.external
        found["external"] = {
            "title": external.title,
            "creator": external.creator,
            "url": external.url,
            "summary": external.summary,
        }
    return found


def token_out(token) -> dict:
    return {
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes or []),
        "created": token.created_at,
        "last_used": token.last_used_at,
    }


def local_date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value
