"""Atom feeds of new works: one per tag (``/tags/NAME/feed.atom``, as AO3) and
one per saved filter (``/saved_filters/TOKEN/feed.atom``).

Feeds are read by feed readers that carry no session, and a feed address is
easily shared, so every feed shows only what a guest may see: no restricted
works, no hidden works, no drafts, and "Anonymous" in place of an anonymous
work's creators. A saved filter is private, so its feed's address carries an
unguessable token (the filter's id signed with the site's secret key) instead
of the owner's name; its entries also leave out what the owner has muted.

Each entry: the work's title, its address, its creators, its summary (the
sanitised HTML it is stored as), its tags as categories, and its Updated date.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import QueryDict
from django.utils.feedgenerator import Atom1Feed

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.tags.models import Tag, WorkFilterTag
from chapterhouse.tags.page_selectors import tag_path, tag_works_queryset
from chapterhouse.tags.selectors import tag_named
from chapterhouse.works.selectors.listing import Blurb, blurb_queryset, blurbs
from chapterhouse.works.text import xml_text

from . import selectors
from .models import SavedFilter
from .mutes import mutes_of
from .params import work_query_from_params
from .query import WorkQuery

FEED_SIZE = 20
_TOKEN_SALT = "chapterhouse.discovery.saved-filter-feed"
_TOKEN_SEP = "."


# Saved filters: their tokens and their queries ---------------------------------------


def _signer() -> signing.Signer:
    return signing.Signer(salt=_TOKEN_SALT, sep=_TOKEN_SEP)


def saved_filter_token(saved_filter: SavedFilter) -> str:
    """The secret part of a saved filter's feed address."""
    return _signer().sign(str(saved_filter.pk))


def saved_filter_by_token(token: str) -> SavedFilter | None:
    try:
        filter_id = int(_signer().unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return SavedFilter.objects.select_related("user").filter(pk=filter_id).first()


def saved_filter_feed_path(saved_filter: SavedFilter) -> str:
    return f"/saved_filters/{saved_filter_token(saved_filter)}/feed.atom"




def saved_filter_query(saved_filter: SavedFilter) -> WorkQuery | None:
    """What the saved filter asks, as ``/works?<query>`` would: AO3's parameters
    read by ``params.work_query_from_params`` on top of the listing's place,
    ``tag_id`` (a tag's name; a synonym counts as its canonical) and
    ``user_id`` (a user name). ``None`` when it names a tag or user that no
    longer exists, so it matches nothing."""
    params = QueryDict(saved_filter.query)
    base = WorkQuery()
    tag_name = params.get("tag_id", "")
    if tag_name.strip():
        tag = tag_named(tag_name)
        if tag is None:
            return None
        base = base.with_(tag_ids=(tag.merger_id or tag.pk,))
    username = params.get("user_id", "")
    if username.strip():
        user = user_by_name(username.strip())
        if user is None:
            return None
        base = base.with_(user_id=user.pk)
    return work_query_from_params(params, base=base)


# Building a feed -----------------------------------------------------------------------


def _creator_line(blurb: Blurb) -> str:
    if blurb.work.anonymous:
        return "Anonymous"
    names = []
    for creatorship in blurb.creators:
        pseud = creatorship.pseud
        username = pseud.user.username
        names.append(pseud.name if pseud.name == username else f"{pseud.name} ({username})")
    return ", ".join(names) or "Anonymous"


def _feed(*, title: str, link: str, feed_url: str, subtitle: str, items: list[Blurb],
          base_url: str) -> str:
    feed = Atom1Feed(
        title=xml_text(title),
        link=link,
        description=xml_text(subtitle),
        subtitle=xml_text(subtitle),
        feed_url=feed_url,
        feed_guid=feed_url,
        language="en",
    )
    for blurb in items:
        work = blurb.work
        address = f"{base_url}/works/{work.pk}"
        feed.add_item(
            title=xml_text(work.title),
            link=address,
            unique_id=address,
            description=xml_text(work.summary),
            author_name=xml_text(_creator_line(blurb)),
            updateddate=work.revised_at or work.created_at,
            categories=[xml_text(tag.name) for tag in blurb.tags],
        )
    return feed.writeString("utf-8")


def tag_feed(*, tag: Tag, base_url: str) -> str:
    """The 20 most recently updated works a guest may see listed under ``tag``
    (a canonical tag lists its synonyms' and subtags' works too)."""
    works = tag_works_queryset(viewer=AnonymousUser(), tag=tag)
    items = blurbs(blurb_queryset(works)[:FEED_SIZE])
    return _feed(
        title=f"{settings.SITE_NAME}: works in {tag.name}",
        link=base_url + tag_path(tag.name, "/works"),
        feed_url=base_url + tag_path(tag.name, "/feed.atom"),
        subtitle=f"The newest works listed under {tag.name}.",
        items=items,
        base_url=base_url,
    )


def _without_muted(items: list[Blurb], owner) -> list[Blurb]:
    mutes = mutes_of(owner)
    if not mutes or not items:
        return items
    filter_tags: dict[int, set[int]] = {blurb.work.pk: set() for blurb in items}
    for work_id, tag_id in WorkFilterTag.objects.filter(work_id__in=filter_tags).values_list(
        "work_id", "tag_id"
    ):
        filter_tags[work_id].add(tag_id)
    return [
        blurb for blurb in items
        if not mutes.hides(
            creator_user_ids=[c.pseud.user_id for c in blurb.creators],
            filter_tag_ids=filter_tags[blurb.work.pk],
            anonymous=blurb.work.anonymous,
        )
    ]


def saved_filter_feed(*, saved_filter: SavedFilter, base_url: str) -> str:
    """The 20 most recently updated works a guest may see that match the saved
    filter, less those its owner has muted."""
    query = saved_filter_query(saved_filter)
    items: list[Blurb] = []
    if query is not None:
        newest = query.with_(sort_column="revised_at", sort_direction="desc")
        results = selectors.search_works(viewer=AnonymousUser(), query=newest, with_facets=False)
        items = _without_muted(list(results.page.items)[:FEED_SIZE], saved_filter.user)
    return _feed(
        title=f"{settings.SITE_NAME}: {saved_filter.name}",
        link=f"{base_url}/works?{saved_filter.query}",
        feed_url=base_url + saved_filter_feed_path(saved_filter),
        subtitle=f"The newest works matching the saved filter \u201c{saved_filter.name}\u201d.",
        items=items,
        base_url=base_url,
    )
