"""Reads for listings of works: user and pseud works, drafts, series, the home page.

Every listing starts from ``works_visible_to`` and counts only what the viewer
may see, so the "1 - 20 of N" heading always matches the blurbs. Blurbs carry
their tags, creators, series and gifts prefetched: a page of 20 blurbs takes
the same handful of queries as a page of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Count, Max, Min, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.html import format_html

from chapterhouse.accounts.models import Pseud, User
from chapterhouse.tags.fixed import CHOSE_NOT_TO_WARN, NO_WARNINGS_APPLY
from chapterhouse.tags.models import TagType, tag_name_to_url

from ..languages import language_name
from ..models import Creatorship, Gift, Series, SeriesWork, Work, WorkTag
from .visibility import anonymous_among_named_q, series_parts_visible_to, works_visible_to

PER_PAGE = 20

# AO3's symbol classes for the four required-tag squares of a blurb.
_RATING_CLASSES = {
    13: "rating-explicit rating",
    12: "rating-mature rating",
    11: "rating-teen rating",
    10: "rating-general-audience rating",
}
_CATEGORY_CLASSES = {
    21: "category-gen category",
    22: "category-het category",
    23: "category-slash category",
    24: "category-other category",
    116: "category-femslash category",
    2246: "category-multi category",
}


@dataclass
class Page:
    """One page of a listing. ``number`` is clamped into 1…``num_pages``."""

    items: list
    number: int
    num_pages: int
    total: int
    per_page: int = PER_PAGE

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.number * self.per_page, self.total)

    def heading(self, noun: str) -> str:
        """AO3's "1 - 20 of 1,234 Works" (or "0 Works")."""
        if not self.total:
            return f"0 {noun}"
        return f"{self.first_index:,} - {self.last_index:,} of {self.total:,} {noun}"

    @property
    def page_numbers(self) -> list[int | None]:
        """Page links to show; ``None`` is a gap ("…"). Built from the dozen
        numbers shown, never by walking every page (a big tag has tens of
        thousands)."""
        shown = {1, 2, self.num_pages - 1, self.num_pages}
        shown |= set(range(self.number - 3, self.number + 4))
        numbers: list[int | None] = []
        for n in sorted(n for n in shown if 1 <= n <= self.num_pages):
            if numbers and n != numbers[-1] + 1:
                numbers.append(None)
            numbers.append(n)
        return numbers


def page_number(value) -> int:
    """The ``?page=`` parameter as a number; anything odd is page 1."""
    try:
        return max(1, int(str(value)))
    except (TypeError, ValueError):
        return 1


def paginate(queryset: QuerySet, number, *, per_page: int = PER_PAGE, prepare=None) -> Page:
    total = queryset.count()
    num_pages = max(1, -(-total // per_page))
    number = min(page_number(number), num_pages)
    start = (number - 1) * per_page
    items = list(queryset[start : start + per_page]) if total else []
    if prepare is not None:
        items = prepare(items)
    return Page(items=items, number=number, num_pages=num_pages, total=total, per_page=per_page)


# Blurbs ---------------------------------------------------------------------


def blurb_queryset(works: QuerySet[Work]) -> QuerySet[Work]:
    """``works`` with what a blurb shows prefetched (3 queries per page; ``blurbs``
    reads the tags in one more), and only the columns a blurb shows (model
    instances cost per column)."""
    return works.defer("sources", "notes", "endnotes", "change_note").prefetch_related(
        Prefetch(
            "creatorships",
            queryset=Creatorship.objects.filter(accepted=True)
            .select_related("pseud__user")
            .only("work_id", "pseud_id", "position", "pseud__name", "pseud__user_id",
                  "pseud__user__username")
            .order_by("position", "pk"),
            to_attr="accepted_creatorships",
        ),
        Prefetch(
            # An anonymous work beside named ones shows no series (visibility.md);
            # a blurb reads the same to everyone, so not even to its creators.
            "series_parts",
            queryset=SeriesWork.objects.exclude(anonymous_among_named_q())
            .select_related("series").order_by("series_id"),
            to_attr="series_memberships",
        ),
        Prefetch(
            "gifts",
            queryset=Gift.objects.filter(refused=False)
            .select_related("recipient")
            .order_by("created_at", "pk"),
            to_attr="unrefused_gifts",
        ),
    )


@dataclass
class Blurb:
    """A work as a listing shows it."""

    work: Work
    tags: list
    rating: list
    warnings: list
    categories: list
    fandoms: list
    relationships: list
    characters: list
    freeforms: list
    creators: list
    series: list
    gifts: list

    @property
    def work_id(self) -> int:
        return self.work.pk

    @property
    def language(self) -> str:
        return language_name(self.work.language)

    @property
    def date(self) -> str:
        """AO3's blurb date, "03 Feb 2020": when the work last got a chapter."""
        when = self.work.revised_at or self.work.created_at
        return timezone.localtime(when).strftime("%d %b %Y")

    @property
    def required_tags(self) -> list[tuple[str, str]]:
        """The four squares: (css class, title) for rating, warnings, category, completion."""
        ratings = [t for t in self.rating]
        rating_class = "rating-notrated rating"
        for tag_id in (13, 12, 11, 10):
            if any(t.pk == tag_id for t in ratings):
                rating_class = _RATING_CLASSES[tag_id]
                break
        rating_title = ", ".join(t.name for t in ratings) or "No rating"

        warning_ids = {t.pk for t in self.warnings}
        if warning_ids == {NO_WARNINGS_APPLY}:
            warning_class = "warning-no warnings"
        elif not warning_ids or warning_ids <= {CHOSE_NOT_TO_WARN, NO_WARNINGS_APPLY}:
            warning_class = "warning-choosenotto warnings"
        else:
            warning_class = "warning-yes warnings"
        warning_title = (
            ", ".join(t.name for t in self.warnings) or "Creator Chose Not To Use Archive Warnings"
        )

        if not self.categories:
            category_class = "category-none category"
        elif len(self.categories) > 1:
            category_class = "category-multi category"
        else:
            category_class = _CATEGORY_CLASSES.get(
                self.categories[0].pk, "category-none category"
            )
        category_title = ", ".join(t.name for t in self.categories) or "No category"

        if self.work.complete:
            completion = ("complete-yes iswip", "Complete Work")
        else:
            completion = ("complete-no iswip", "Work in Progress")
        return [
            (rating_class, rating_title),
            (warning_class, warning_title),
            (category_class, category_title),
            completion,
        ]


class TagRef:
    """A tag as a blurb shows it: lighter than a model instance (a page of 20
    blurbs holds hundreds), with ``link``, its ready ``<a class="tag">``."""

    __slots__ = ("link", "name", "pk", "type")

    def __init__(self, pk: int, name: str, type: str) -> None:
        self.pk, self.name, self.type = pk, name, type
        href = "/tags/" + quote(tag_name_to_url(name), safe="/*") + "/works"
        self.link = format_html('<a class="tag" href="{}">{}</a>', href, name)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def url_name(self) -> str:
        return tag_name_to_url(self.name)

    def __str__(self) -> str:
        return self.name


#: TagRefs by (id, name, type), shared by every page of this process.
_TAG_REFS: dict[tuple[int, str, str], TagRef] = {}


def tags_of(works) -> dict[int, list[TagRef]]:
    """Each work's direct tags in the creator's order, in one query (``works``:
    anything with ``pk``)."""
    rows = sorted(
        WorkTag.objects.filter(work_id__in=[w.pk for w in works]).order_by()
        .values_list("work_id", "position", "pk", "tag_id", "tag__name", "tag__type")
    )
    if len(_TAG_REFS) > 100_000:
        _TAG_REFS.clear()
    found: dict[int, list[TagRef]] = {w.pk: [] for w in works}
    for work_id, _, _, tag_id, name, kind in rows:
        key = (tag_id, name, kind)
        ref = _TAG_REFS.get(key)
        if ref is None:
            ref = _TAG_REFS[key] = TagRef(tag_id, name, kind)
        found[work_id].append(ref)
    return found


_tags_of = tags_of


def blurb(work: Work, tags: list[TagRef] | None = None, *, creators=None, series=None,
          gifts=None) -> Blurb:
    """``work`` (a model instance from ``blurb_queryset``, or anything with its
    columns when ``creators``, ``series`` and ``gifts`` are given) as a Blurb."""
    if tags is None:
        tags = _tags_of([work])[work.pk]

    def of(*types):
        return [tag for tag in tags if tag.type in types]

    return Blurb(
        work=work,
        tags=tags,
        rating=of(TagType.RATING),
        warnings=of(TagType.WARNING),
        categories=of(TagType.CATEGORY),
        fandoms=of(TagType.FANDOM),
        relationships=of(TagType.RELATIONSHIP),
        characters=of(TagType.CHARACTER),
        freeforms=of(TagType.FREEFORM, TagType.UNSORTED),
        creators=list(work.accepted_creatorships) if creators is None else creators,
        series=list(work.series_memberships) if series is None else series,
        gifts=list(work.unrefused_gifts) if gifts is None else gifts,
    )


def blurbs(works) -> list[Blurb]:
    works = list(works)
    tags = _tags_of(works) if works else {}
    return [blurb(work, tags[work.pk]) for work in works]


# Listings -------------------------------------------------------------------


def _creator_of(user: User, pseud: Pseud | None = None) -> QuerySet:
    creatorships = Creatorship.objects.filter(pseud__user=user, accepted=True)
    if pseud is not None:
        creatorships = creatorships.filter(pseud=pseud)
    return creatorships.values("work_id")


def _is_self(viewer, user: User) -> bool:
    return getattr(viewer, "is_authenticated", False) and viewer.pk == user.pk


def _anonymous_series() -> QuerySet:
    """Series holding an anonymous work (in any state): they name no creator either."""
    return SeriesWork.objects.filter(work__anonymous=True).values("series_id")


def user_drafts(*, user: User, page=1) -> Page:
    """``user``'s own drafts, newest first. Only the owner's view asks for these."""
    works = works_visible_to(user).filter(posted=False, pk__in=_creator_of(user))
    works = blurb_queryset(works.order_by("-updated_at", "-pk"))
    return paginate(works, page, prepare=blurbs)


def recent_works(*, viewer, limit: int = PER_PAGE) -> list[Blurb]:
    """The newest posted works the viewer may see, for the home page (blurbs
    from ``blurbs.listing_blurbs``, mostly cached HTML)."""
    from .blurbs import listing_blurbs

    works = works_visible_to(viewer).filter(posted=True).order_by("-revised_at", "-pk")
    return listing_blurbs(viewer=viewer, work_ids=works.values_list("pk", flat=True)[:limit])


@dataclass
class SeriesPage:
    series: Series
    creators: list[Pseud]
    works: Page
    began: object
    updated: object
    word_count: int
    work_count: int
    is_creator: bool
    anonymous: bool = False


def _series_byline(*, viewer, series: Series, creators: list[Pseud], is_creator: bool
                   ) -> tuple[list[Pseud], bool]:
    """Who the series page names, and whether it says "Anonymous". A series of
    anonymous works names nobody. One that mixes anonymous and named works shows
    outsiders its named works alone (``series_parts_visible_to``), so it names
    the pseuds credited on those, as any named series does; its creators and
    admins see "Anonymous [everyone]"."""
    kinds = set(SeriesWork.objects.filter(series=series)
                .values_list("work__anonymous", flat=True).distinct())
    if not (True in kinds and False in kinds) or is_creator or getattr(viewer, "is_staff", False):
        return creators, True in kinds
    named = set(Creatorship.objects.filter(
        accepted=True, work__series_parts__series=series, work__anonymous=False
    ).values_list("pseud_id", flat=True))
    return [pseud for pseud in creators if pseud.pk in named], False


def series_page(*, viewer, series_id: int, page=1) -> SeriesPage | None:
    """A series with its works the viewer may see, or ``None`` when there are none
    (unless the viewer is one of its creators)."""
    series = Series.objects.filter(pk=series_id).first()
    if series is None:
        return None
    creators = list(series.creators.select_related("user").order_by("pk"))
    is_creator = getattr(viewer, "is_authenticated", False) and any(
        pseud.user_id == viewer.pk for pseud in creators
    )
    shown = series_parts_visible_to(viewer, SeriesWork.objects.filter(series=series))
    visible = works_visible_to(viewer).filter(
        posted=True, series_parts__series=series, pk__in=shown.values("work_id")
    )
    totals = visible.aggregate(
        words=Sum("word_count"),
        count=Count("pk"),
        began=Min("published_on"),
        updated=Max("revised_at"),
    )
    if not totals["count"] and not is_creator:
        return None
    ordered = visible.order_by("series_parts__position", "pk")
    works = paginate(blurb_queryset(ordered), page, prepare=blurbs)
    creators, anonymous = _series_byline(
        viewer=viewer, series=series, creators=creators, is_creator=is_creator
    )
    return SeriesPage(
        series=series,
        creators=creators,
        works=works,
        began=totals["began"] or series.created_at.date(),
        updated=timezone.localdate(totals["updated"] or series.updated_at),
        word_count=totals["words"] or 0,
        work_count=totals["count"],
        is_creator=is_creator,
        anonymous=anonymous,
    )


@dataclass
class SeriesSummary:
    series: Series
    creators: list[Pseud]
    work_count: int
    word_count: int
    updated: object
    anonymous: bool = False


def user_series(*, viewer, user: User, page=1) -> Page:
    """Series ``user`` is credited on that hold at least one work the viewer may see.
    Series holding an anonymous work are listed to ``user`` alone."""
    visible = works_visible_to(viewer).filter(posted=True)
    credited = Series.objects.filter(creators__user=user)
    if not _is_self(viewer, user):
        credited = credited.exclude(pk__in=_anonymous_series())
    parts = (
        SeriesWork.objects.filter(work__in=visible, series__in=credited)
        .values("series_id")
        .annotate(works=Count("work_id", distinct=True), words=Sum("work__word_count"),
                  updated=Max("work__revised_at"))
        .order_by("-updated", "-series_id")
    )

    def prepare(rows):
        series = Series.objects.in_bulk([row["series_id"] for row in rows])
        creators = {
            s.pk: list(s.creators.all())
            for s in Series.objects.filter(pk__in=series).prefetch_related("creators__user")
        }
        anonymous = set(_anonymous_series().filter(series_id__in=list(series))
                        .values_list("series_id", flat=True))
        return [
            SeriesSummary(
                series=series[row["series_id"]],
                creators=creators.get(row["series_id"], []),
                work_count=row["works"],
                word_count=row["words"] or 0,
                updated=row["updated"],
                anonymous=row["series_id"] in anonymous,
            )
            for row in rows
        ]

    return paginate(parts, page, prepare=prepare)


__all__ = [
    "PER_PAGE",
    "Blurb",
    "Page",
    "SeriesPage",
    "blurb_queryset",
    "blurbs",
    "paginate",
    "recent_works",
    "series_page",
    "user_drafts",
    "user_series",
]
