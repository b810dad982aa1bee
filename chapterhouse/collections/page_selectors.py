"""Reads for a collection's other pages (bookmarks, fandoms, people, tags,
gifts), a user's collected works and the challenges open for sign-ups.

Every work is read through the one door (works/selectors/visibility.py):

- listings of works keep unrevealed works (``mysteries=True``) and show them
  as mystery blurbs to whoever may not unmask them, as the collection's works
  page does, and count them as AO3 does;
- counts by fandom, tag or person read ``works_visible_to(viewer)`` without
  mysteries: an unrevealed work is counted only for those who may unmask it,
  and an anonymous work names nobody on the people page.

A collection's pages cover its subcollections' works too
(``selectors.family_ids``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from chapterhouse.responses.selectors.bookmarks import (
    bookmarks_page,
    bookmarks_visible_to,
    public_bookmarks,
)
from chapterhouse.tags.models import TagType, tag_name_to_url
from chapterhouse.works.models import Creatorship, Gift, Work, WorkTag
from chapterhouse.works.selectors import listing
from chapterhouse.works.selectors.visibility import signed_in_user, works_visible_to

from .models import Collection, CollectionItem
from .selectors import _entries, blurbs_or_mysteries, family_ids


def _approved_in(collection: Collection):
    return (
        CollectionItem.objects.approved()
        .filter(collection_id__in=family_ids(collection))
        .values("work_id")
    )


def _counted_works(viewer, collection: Collection) -> QuerySet[Work]:
    """Posted works of the collection the viewer sees as themselves."""
    return works_visible_to(viewer).filter(posted=True, pk__in=_approved_in(collection))


def collection_bookmarks(*, viewer, collection: Collection, page=1) -> listing.Page:
    """Public bookmarks of the works in the collection (the bookmarks' door:
    private and hidden bookmarks, works the viewer may not see, muted
    bookmarkers and unrevealed works left out)."""
    found = bookmarks_visible_to(viewer, public_bookmarks(), leave_out_muted=True)
    return bookmarks_page(viewer, found.filter(work_id__in=_approved_in(collection)), page)


@dataclass
class TagCount:
    pk: int
    name: str
    type: str
    count: int

    @property
    def type_label(self) -> str:
        return TagType(self.type).label

    @property
    def url_name(self) -> str:
        """The name as the tag's addresses (and ``tag_id=``) write it."""
        return tag_name_to_url(self.name)


def _tag_counts(viewer, collection: Collection, types, page) -> listing.Page:
    rows = (
        WorkTag.objects.filter(
            work__in=_counted_works(viewer, collection).values("pk"), tag__type__in=types
        )
        .values("tag_id", "tag__name", "tag__type")
        .annotate(n=Count("work_id", distinct=True))
        .order_by("tag__type", "tag__name", "tag_id")
    )

    def prepare(found):
        return [TagCount(r["tag_id"], r["tag__name"], r["tag__type"], r["n"]) for r in found]

    return listing.paginate(rows, page, prepare=prepare)


def collection_fandoms(*, viewer, collection: Collection, page=1) -> listing.Page:
    """The fandoms of the works the viewer sees in the collection, with counts."""
    return _tag_counts(viewer, collection, [TagType.FANDOM], page)


#: The order of ``/collections/N/tags``.
TAG_TYPES = [
    TagType.RATING, TagType.WARNING, TagType.CATEGORY, TagType.FANDOM,
    TagType.RELATIONSHIP, TagType.CHARACTER, TagType.FREEFORM,
]


def collection_tags(*, viewer, collection: Collection, page=1) -> listing.Page:
    return _tag_counts(viewer, collection, TAG_TYPES, page)


@dataclass
class Person:
    pseud_name: str
    username: str
    count: int


def collection_people(*, viewer, collection: Collection, page=1) -> listing.Page:
    """The creators (pseuds) of the works the viewer sees in the collection;
    anonymous works name no one, for anyone."""
    works = _counted_works(viewer, collection).filter(anonymous=False).values("pk")
    rows = (
        Creatorship.objects.filter(accepted=True, work__in=works)
        .values("pseud_id", "pseud__name", "pseud__user__username")
        .annotate(n=Count("work_id", distinct=True))
        .order_by("pseud__name", "pseud_id")
    )

    def prepare(found):
        return [Person(r["pseud__name"], r["pseud__user__username"], r["n"]) for r in found]

    return listing.paginate(rows, page, prepare=prepare)


def collection_gifts(*, viewer, collection: Collection, page=1) -> listing.Page:
    """The collection's works that are gifts (not refused), as its works page
    lists them: mystery blurbs for unrevealed ones (which name no recipient)."""
    works = (
        works_visible_to(viewer, mysteries=True)
        .filter(posted=True, pk__in=_approved_in(collection))
        .filter(pk__in=Gift.objects.filter(refused=False).values("work_id"))
        .order_by("-revised_at", "-pk")
    )
    return listing.paginate(
        works.only("pk"), page, prepare=lambda rows: blurbs_or_mysteries(viewer, rows)
    )


def collected_works(*, viewer, user, page=1) -> listing.Page:
    """``user``'s posted works approved in a collection. Unrevealed ones are
    mystery blurbs to those who may not unmask them; anonymous ones are on
    her own page alone."""
    works = works_visible_to(viewer, mysteries=True).filter(
        posted=True,
        pk__in=CollectionItem.objects.approved().values("work_id"),
    ).filter(pk__in=Creatorship.objects.filter(pseud__user=user, accepted=True).values("work_id"))
    me = signed_in_user(viewer)
    if me is None or me.pk != user.pk:
        works = works.filter(anonymous=False)
    works = works.order_by("-revised_at", "-pk")
    return listing.paginate(
        works.only("pk"), page, prepare=lambda rows: blurbs_or_mysteries(viewer, rows)
    )


def open_challenges(*, viewer, page=1) -> listing.Page:
    """Collections whose gift exchange takes sign-ups, or whose prompt meme
    takes prompts, now (the database's form of ``GiftExchange.signups_are_open``
    and ``PromptMeme.accepting_prompts``), soonest closing first."""
    now = timezone.now()
    exchange_open = (
        Q(gift_exchange__signups_open=True)
        & (Q(gift_exchange__signups_open_at__isnull=True)
           | Q(gift_exchange__signups_open_at__lte=now))
        & (Q(gift_exchange__signups_close_at__isnull=True)
           | Q(gift_exchange__signups_close_at__gt=now))
    )
    meme_open = (
        Q(prompt_meme__prompts_open=True)
        & (Q(prompt_meme__opens_at__isnull=True) | Q(prompt_meme__opens_at__lte=now))
        & (Q(prompt_meme__closes_at__isnull=True) | Q(prompt_meme__closes_at__gt=now))
    )
    closing = Coalesce("gift_exchange__signups_close_at", "prompt_meme__closes_at")
    found = (
        Collection.objects.filter(exchange_open | meme_open)
        .annotate(closing=closing)
        .order_by(F("closing").asc(nulls_last=True), "title", "pk")
    )
    return _entries(viewer, found, page)
