"""Reads for the OPDS catalogue, always as a guest sees the site.

A catalogue is read by e-reader apps that carry no session, and its
addresses are shared freely, so every read here asks as ``AnonymousUser``:
no drafts, no restricted works, no works hidden by an admin. Lists of works
come from the site's search engine (``discovery.selectors.search_works``),
the same answer ``/works``, ``/tags/NAME/works`` and ``/works/search`` give
a guest, and their blurbs are read through ``works_visible_to``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count
from django.db.models.functions import Lower

from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
from chapterhouse.tags.page_selectors import tag_visible
from chapterhouse.works.selectors.listing import Page, paginate
from chapterhouse.works.selectors.visibility import works_visible_to

#: Fandoms per page of ``/opds/fandoms``.
FANDOMS_PER_PAGE = 50
#: Longest search text the catalogue passes on.
QUERY_MAX_LENGTH = 500


def guest():
    return AnonymousUser()


def _works(query: WorkQuery, page) -> Page:
    return search_works(viewer=guest(), query=query, page=page, with_facets=False).page


def recent_works(*, page=1) -> Page:
    """Posted works a guest may see, most recently updated first (``/works``)."""
    return _works(WorkQuery(sort_column="revised_at", sort_direction="desc"), page)


def fandom_works(*, fandom: Tag, page=1) -> Page:
    """A guest's ``/tags/NAME/works`` for ``fandom`` (canonical: its synonyms'
    and subtags' works too), most recently updated first."""
    query = WorkQuery(tag_ids=(fandom.pk,), sort_column="revised_at", sort_direction="desc")
    return _works(query, page)


def searched_works(*, text: str, page=1) -> Page:
    """A guest's ``/works/search`` for ``text`` (AO3's search syntax), best
    matches first; with no text, the most recently updated works."""
    text = " ".join((text or "").split())[:QUERY_MAX_LENGTH]
    query = WorkQuery(query=text, sort_column="_score" if text else "revised_at")
    return _works(query, page)


@dataclass(frozen=True)
class FandomCount:
    name: str
    count: int


def fandoms_with_works(*, page=1) -> Page:
    """Canonical fandoms listing at least one work a guest may see, by name,
    each with how many (the number ``/tags/NAME/works`` shows a guest)."""
    visible = works_visible_to(guest()).filter(posted=True).values("pk")
    rows = (
        WorkFilterTag.objects.filter(
            tag__type=TagType.FANDOM, tag__canonical=True, work_id__in=visible
        )
        .values("tag_id", "tag__name")
        .annotate(works=Count("work_id"))
        .order_by(Lower("tag__name"), "tag_id")
    )

    def prepare(items):
        return [FandomCount(name=row["tag__name"], count=row["works"]) for row in items]

    return paginate(rows, page, per_page=FANDOMS_PER_PAGE, prepare=prepare)


@dataclass(frozen=True)
class FandomLookup:
    """``tag`` when the name is a fandom listed under itself; ``canonical``
    when it is a synonym, whose catalogue lives at its canonical's address."""

    tag: Tag | None = None
    canonical: Tag | None = None


def fandom_by_url_name(url_name: str) -> FandomLookup | None:
    """The fandom a catalogue address names (``Mulder*s*Scully`` spelling, any
    case), or ``None`` when no fandom has that name or a guest may not know it."""
    tag = tag_visible(viewer=AnonymousUser(), url_name=url_name)
    if tag is None or tag.type != TagType.FANDOM:
        return None
    if tag.merger_id and tag.merger_id != tag.pk:
        return FandomLookup(canonical=tag.merger)
    return FandomLookup(tag=tag)
