"""Reads for bookmarks: the one visibility filter, the listings (a work's, a
series', a user's or pseud's, a tag's, everyone's, search) and the panel on the
work page.

``bookmarks_visible_to`` is the door every listing and count goes through:

- private bookmarks are seen by their owner alone;
- a bookmark hidden by an admin, by its owner and admins;
- a work's bookmark only when the viewer may see the (posted) work
  (``works_visible_to``), the owner included;
- a series' bookmark only when the series holds a posted work the viewer may
  see; an external work's, unless an admin hid the external work.

Listings other than a person's own page also leave out bookmarkers the viewer
has muted. Every listing is a ``works.selectors.listing.Page`` of
``BookmarkItem``s, prepared in a fixed handful of queries per page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from chapterhouse.accounts.models import Pseud, User
from chapterhouse.accounts.selectors import pseuds_of
from chapterhouse.discovery.mutes import mutes_of
from chapterhouse.tags.models import Tag, TagType, WorkFilterTag, tag_name_to_url
from chapterhouse.tags.selectors import tags_named
from chapterhouse.works.models import Series, SeriesWork, Work, WorkTag
from chapterhouse.works.selectors.listing import (
    Blurb,
    Page,
    SeriesSummary,
    TagRef,
    blurb_queryset,
    blurbs,
    paginate,
)
from chapterhouse.works.selectors.visibility import signed_in_user, works_visible_to

from ..models import Bookmark, BookmarkTag, ExternalWork, ExternalWorkTag

_RATING_CLASSES = {
    13: "rating-explicit rating",
    12: "rating-mature rating",
    11: "rating-teen rating",
    10: "rating-general-audience rating",
}


def _is_admin(viewer) -> bool:
    return bool(getattr(viewer, "is_staff", False))


# The door ---------------------------------------------------------------------


def _visible_works(viewer) -> QuerySet[Work]:
    return works_visible_to(viewer).filter(posted=True)


def bookmarks_visible_to(
    viewer, queryset: QuerySet[Bookmark] | None = None, *, leave_out_muted: bool = False
) -> QuerySet[Bookmark]:
    """Bookmarks ``viewer`` (a user, or AnonymousUser/None) may see."""
    bookmarks = Bookmark.objects.all() if queryset is None else queryset
    user = signed_in_user(viewer)
    admin = _is_admin(user)
    works = _visible_works(viewer).values("pk")
    series = SeriesWork.objects.filter(work__in=works).values("series_id")
    target = Q(work__in=works) | Q(series__in=series)
    if admin:
        target |= Q(external_work__isnull=False)
    else:
        target |= Q(external_work__in=ExternalWork.objects.filter(hidden_by_admin=False))
    shown = Q(private=False)
    if not admin:
        shown &= Q(hidden_by_admin=False)
    if user is not None:
        shown |= Q(user=user)
    bookmarks = bookmarks.filter(target & shown)
    if leave_out_muted:
        muted = mutes_of(viewer).user_ids - ({user.pk} if user is not None else set())
        if muted:
            bookmarks = bookmarks.exclude(user_id__in=muted)
    return bookmarks


def public_bookmarks(queryset: QuerySet[Bookmark] | None = None) -> QuerySet[Bookmark]:
    """What ``Work.bookmark_count`` counts: neither private nor hidden by an admin."""
    bookmarks = Bookmark.objects.all() if queryset is None else queryset
    return bookmarks.filter(private=False, hidden_by_admin=False)


# What a listing shows -------------------------------------------------------------


class BookmarkTagRef:
    """One of the bookmarker's tags, linking to the tag's bookmarks."""

    __slots__ = ("href", "name", "pk")

    def __init__(self, pk: int, name: str) -> None:
        self.pk, self.name = pk, name
        self.href = "/tags/" + quote(tag_name_to_url(name), safe="/*") + "/bookmarks"


@dataclass
class ExternalBlurb:
    """An external work as a listing shows it."""

    external: ExternalWork
    rating: list = field(default_factory=list)
    fandoms: list = field(default_factory=list)
    relationships: list = field(default_factory=list)
    characters: list = field(default_factory=list)

    @property
    def rating_square(self) -> tuple[str, str]:
        for tag in self.rating:
            if tag.pk in _RATING_CLASSES:
                return _RATING_CLASSES[tag.pk], tag.name
        if self.rating:
            return "rating-notrated rating", self.rating[0].name
        return "rating-notrated rating", "No rating"


@dataclass
class BookmarkItem:
    bookmark: Bookmark
    tags: list
    own: bool = False
    blurb: Blurb | None = None
    series: SeriesSummary | None = None
    external: ExternalBlurb | None = None

    @property
    def kind(self) -> str:
        if self.bookmark.work_id:
            return "work"
        return "series" if self.bookmark.series_id else "external"

    @property
    def date(self) -> str:
        return timezone.localtime(self.bookmark.created_at).strftime("%d %b %Y")

    @property
    def tag_string(self) -> str:
        return ", ".join(tag.name for tag in self.tags)


def _bookmark_tags(ids: list[int]) -> dict[int, list[BookmarkTagRef]]:
    found: dict[int, list[BookmarkTagRef]] = {pk: [] for pk in ids}
    rows = (
        BookmarkTag.objects.filter(bookmark_id__in=ids)
        .order_by("bookmark_id", "position", "pk")
        .values_list("bookmark_id", "tag_id", "tag__name")
    )
    for bookmark_id, tag_id, name in rows:
        found[bookmark_id].append(BookmarkTagRef(tag_id, name))
    return found


def _series_summaries(viewer, series_ids: set[int]) -> dict[int, SeriesSummary]:
    if not series_ids:
        return {}
    visible = _visible_works(viewer)
    rows = (
        SeriesWork.objects.filter(series_id__in=series_ids, work__in=visible)
        .values("series_id")
        .annotate(works=Count("work_id", distinct=True), words=Sum("work__word_count"),
                  updated=Max("work__revised_at"))
        .order_by()
    )
    totals = {row["series_id"]: row for row in rows}
    anonymous = set(
        SeriesWork.objects.filter(series_id__in=series_ids, work__anonymous=True)
        .values_list("series_id", flat=True)
    )
    found = {}
    for series in Series.objects.filter(pk__in=series_ids).prefetch_related("creators__user"):
        row = totals.get(series.pk, {})
        found[series.pk] = SeriesSummary(
            series=series,
            creators=list(series.creators.all()),
            work_count=row.get("works", 0),
            word_count=row.get("words") or 0,
            updated=row.get("updated"),
            anonymous=series.pk in anonymous,
        )
    return found


def _external_blurbs(externals: list[ExternalWork]) -> dict[int, ExternalBlurb]:
    found = {each.pk: ExternalBlurb(external=each) for each in externals}
    rows = (
        ExternalWorkTag.objects.filter(external_work_id__in=list(found))
        .order_by("pk")
        .values_list("external_work_id", "tag_id", "tag__name", "tag__type")
    )
    groups = {
        TagType.RATING: "rating", TagType.FANDOM: "fandoms",
        TagType.RELATIONSHIP: "relationships", TagType.CHARACTER: "characters",
    }
    for external_id, tag_id, name, kind in rows:
        getattr(found[external_id], groups.get(kind, "characters")).append(
            TagRef(tag_id, name, kind)
        )
    return found


def bookmark_items(viewer, bookmarks) -> list[BookmarkItem]:
    """Bookmarks (already filtered by the door) with what their blurbs show."""
    bookmarks = list(bookmarks)
    if not bookmarks:
        return []
    user = signed_in_user(viewer)
    tags = _bookmark_tags([b.pk for b in bookmarks])
    work_ids = {b.work_id for b in bookmarks if b.work_id}
    works = {}
    if work_ids:
        works = {
            each.work.pk: each
            for each in blurbs(blurb_queryset(Work.objects.filter(pk__in=work_ids)))
        }
    series = _series_summaries(viewer, {b.series_id for b in bookmarks if b.series_id})
    externals = _external_blurbs([b.external_work for b in bookmarks if b.external_work_id])
    return [
        BookmarkItem(
            bookmark=b,
            tags=tags.get(b.pk, []),
            own=user is not None and b.user_id == user.pk,
            blurb=works.get(b.work_id),
            series=series.get(b.series_id),
            external=externals.get(b.external_work_id),
        )
        for b in bookmarks
    ]


def _listed(queryset: QuerySet[Bookmark]) -> QuerySet[Bookmark]:
    return queryset.select_related("pseud__user", "external_work").order_by("-created_at", "-pk")


def _page(viewer, queryset: QuerySet[Bookmark], page) -> Page:
    return paginate(
        _listed(queryset), page, prepare=lambda rows: bookmark_items(viewer, rows)
    )


def bookmarks_page(viewer, queryset: QuerySet[Bookmark], page) -> Page:
    """A page of bookmarks already through the door, newest first (for other
    apps' listings, such as a collection's bookmarks)."""
    return _page(viewer, queryset, page)


# The work page ---------------------------------------------------------------------


#: ``bookmark_panel``'s ``existing`` when the caller has not read it.
UNKNOWN = object()


def bookmark_panel(*, viewer, work=None, series=None, pseuds=None, existing=UNKNOWN) -> dict:
    """What a work's (or a series') bookmark button and form need; empty for
    guests and for drafts (nobody bookmarks a draft). ``pseuds``: the viewer's,
    and ``existing``: her bookmark of it (anything with ``pk``, ``pseud_id``,
    ``notes``, ``private``, ``rec``) or None, when the caller has read them
    already (``selectors/reader.py``)."""
    user = signed_in_user(viewer)
    if user is None or (work is not None and not work.posted):
        return {}
    target = {"work": work} if work is not None else {"series": series}
    if existing is UNKNOWN:
        existing = Bookmark.objects.filter(user=user, **target).first()
    pseuds = pseuds_of(user) if pseuds is None else list(pseuds)
    values = {
        "pseud_id": pseuds[0].pk if pseuds else None,
        "bookmarker_notes": "",
        "tag_string": "",
        "private": False,
        "rec": False,
    }
    if existing is not None:
        values.update(
            pseud_id=existing.pseud_id,
            bookmarker_notes=existing.notes,
            tag_string=", ".join(
                BookmarkTag.objects.filter(bookmark_id=existing.pk)
                .order_by("position", "pk")
                .values_list("tag__name", flat=True)
            ),
            private=existing.private,
            rec=existing.rec,
        )
    if existing:
        action = f"/bookmarks/{existing.pk}"
    elif work is not None:
        action = f"/works/{work.pk}/bookmarks"
    else:
        action = f"/series/{series.pk}/bookmarks"
    return {"existing": existing, "pseuds": pseuds, "values": values, "action": action}


def series_feedback(request, series) -> dict:
    """For the series page: the ``feedback`` its bookmark form reads, as the
    work page's (``responses/_bookmark_form.html``)."""
    panel = bookmark_panel(viewer=request.user, series=series)
    return {"bookmark": panel} if panel else {}


JINJA_GLOBALS = {"series_feedback": series_feedback}


# Listings ------------------------------------------------------------------------


def bookmark_detail(*, viewer, bookmark_id: int) -> BookmarkItem | None:
    found = _listed(bookmarks_visible_to(viewer).filter(pk=bookmark_id))
    items = bookmark_items(viewer, found[:1])
    return items[0] if items else None


def bookmark_owned(*, user, bookmark_id: int) -> Bookmark | None:
    """The bookmark, if ``user`` owns it (for the edit and delete pages)."""
    if signed_in_user(user) is None:
        return None
    return (
        Bookmark.objects.filter(pk=bookmark_id, user=user)
        .select_related("pseud", "work", "series", "external_work")
        .first()
    )


def bookmark_tag_string(bookmark: Bookmark) -> str:
    return ", ".join(
        BookmarkTag.objects.filter(bookmark=bookmark)
        .order_by("position", "pk")
        .values_list("tag__name", flat=True)
    )


def work_bookmarks(*, viewer, work: Work, page=1) -> Page:
    """A work's public bookmarks (the caller has checked the viewer sees the work)."""
    found = bookmarks_visible_to(viewer, public_bookmarks(), leave_out_muted=True)
    return _page(viewer, found.filter(work=work), page)


def series_bookmarks(*, viewer, series: Series, page=1) -> Page:
    found = bookmarks_visible_to(viewer, public_bookmarks(), leave_out_muted=True)
    return _page(viewer, found.filter(series=series), page)


def user_bookmarks(*, viewer, user: User, pseud: Pseud | None = None, page=1) -> Page:
    """``user``'s bookmarks (or one pseud's); her private ones to herself alone."""
    found = bookmarks_visible_to(viewer).filter(user=user)
    if pseud is not None:
        found = found.filter(pseud=pseud)
    return _page(viewer, found, page)


def all_bookmarks(*, viewer, page=1) -> Page:
    """Everyone's bookmarks, newest first."""
    return _page(viewer, bookmarks_visible_to(viewer, leave_out_muted=True), page)


def _tag_family(tag: Tag) -> set[int]:
    """The tag, its canonical and the canonical's synonyms."""
    top = tag.merger_id or tag.pk
    return {tag.pk, top} | set(Tag.objects.filter(merger_id=top).values_list("pk", flat=True))


def _tagged_q(tag_ids) -> Q:
    """Bookmarks of items tagged with one of ``tag_ids`` (a work through its
    effective filter tags or its own tags, an external work through its tags),
    or which the bookmarker tagged so."""
    ids = list(tag_ids)
    return (
        Q(work_id__in=WorkFilterTag.objects.filter(tag_id__in=ids).values("work_id"))
        | Q(work_id__in=WorkTag.objects.filter(tag_id__in=ids).values("work_id"))
        | Q(external_work_id__in=ExternalWorkTag.objects.filter(tag_id__in=ids)
            .values("external_work_id"))
        | Q(pk__in=BookmarkTag.objects.filter(tag_id__in=ids).values("bookmark_id"))
    )


def tag_bookmarks(*, viewer, tag: Tag, page=1) -> Page:
    found = bookmarks_visible_to(viewer, leave_out_muted=True).filter(
        _tagged_q(_tag_family(tag))
    )
    return _page(viewer, found, page)


# Search ----------------------------------------------------------------------------


@dataclass
class BookmarkSearch:
    """``/bookmarks/search``: every part optional; given parts must all match."""

    query: str = ""
    work_tags: list[str] = field(default_factory=list)
    bookmark_tags: list[str] = field(default_factory=list)
    bookmarker: str = ""
    rec: bool = False
    with_notes: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.query.strip() or self.work_tags or self.bookmark_tags
            or self.bookmarker.strip() or self.rec or self.with_notes
        )


def _named_family(name: str) -> set[int]:
    tag = tags_named(name).first()
    return _tag_family(tag) if tag is not None else set()


def bookmark_search(*, viewer, search: BookmarkSearch, page=1) -> Page:
    """Words of ``query`` are looked for in the notes, the bookmarker's tags and
    the bookmarked item's title; tag names also match their synonyms and, for
    works, the works under them (effective filter tags)."""
    found = bookmarks_visible_to(viewer, leave_out_muted=True)
    for word in search.query.split()[:10]:
        found = found.filter(
            Q(notes__icontains=word)
            | Q(pk__in=BookmarkTag.objects.filter(tag__name__icontains=word)
                .values("bookmark_id"))
            | Q(work__title__icontains=word)
            | Q(series__title__icontains=word)
            | Q(external_work__title__icontains=word)
        )
    for name in search.work_tags:
        ids = _named_family(name)
        found = found.filter(
            Q(work_id__in=WorkFilterTag.objects.filter(tag_id__in=ids).values("work_id"))
            | Q(work_id__in=WorkTag.objects.filter(tag_id__in=ids).values("work_id"))
            | Q(external_work_id__in=ExternalWorkTag.objects.filter(tag_id__in=ids)
                .values("external_work_id"))
        )
    for name in search.bookmark_tags:
        ids = _named_family(name)
        found = found.filter(
            pk__in=BookmarkTag.objects.filter(tag_id__in=ids).values("bookmark_id")
        )
    if search.bookmarker.strip():
        name = search.bookmarker.strip()
        found = found.filter(Q(pseud__name__iexact=name) | Q(user__username__iexact=name))
    if search.rec:
        found = found.filter(rec=True)
    if search.with_notes:
        found = found.exclude(notes="")
    return _page(viewer, found, page)


__all__ = [
    "JINJA_GLOBALS",
    "BookmarkItem",
    "BookmarkSearch",
    "ExternalBlurb",
    "all_bookmarks",
    "bookmark_detail",
    "bookmark_items",
    "bookmark_owned",
    "bookmark_panel",
    "bookmark_search",
    "bookmark_tag_string",
    "bookmarks_visible_to",
    "public_bookmarks",
    "series_bookmarks",
    "series_feedback",
    "tag_bookmarks",
    "user_bookmarks",
    "work_bookmarks",
]
