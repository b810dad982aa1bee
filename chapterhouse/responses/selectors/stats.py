"""Reads for a creator's statistics page (``/users/NAME/stats``).

Only the owner may see it (``creator_stats`` raises ``PermissionDenied`` for
anyone else). It covers her posted works — anonymous ones too, it is her own
page — never drafts. With a year chosen, kudos, comment threads, bookmarks and
subscriptions count those made that year and hits come from ``HitDay``; word
counts are always today's. A fixed number of queries, whatever the number of
works.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from chapterhouse.tags.models import TagType
from chapterhouse.works.models import Work, WorkTag

from ..models import Bookmark, Comment, HitDay, Kudos, Subscription

ALL_YEARS = "All Years"

#: AO3's sort_column values, with the heading each is shown under.
SORT_COLUMNS = {
    "hits": "Hits",
    "kudos.count": "Kudos",
    "comment_thread_count": "Comment Threads",
    "bookmarks.count": "Bookmarks",
    "subscriptions.count": "Subscriptions",
    "word_count": "Word Count",
    "date": "Date",
}
DEFAULT_SORT = "hits"
NO_FANDOM = "No Fandom"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class WorkStats:
    work_id: int
    title: str
    word_count: int
    date: date
    fandoms: list[str]
    hits: int = 0
    kudos: int = 0
    comment_threads: int = 0
    bookmarks: int = 0
    subscriptions: int = 0

    def value(self, column: str):
        return {
            "hits": self.hits,
            "kudos.count": self.kudos,
            "comment_thread_count": self.comment_threads,
            "bookmarks.count": self.bookmarks,
            "subscriptions.count": self.subscriptions,
            "word_count": self.word_count,
            "date": self.date,
        }[column]


@dataclass
class FandomGroup:
    name: str
    works: list[WorkStats]


@dataclass
class Totals:
    words: int = 0
    works: int = 0
    hits: int = 0
    kudos: int = 0
    comment_threads: int = 0
    bookmarks: int = 0
    subscriptions: int = 0
    user_subscriptions: int = 0


@dataclass
class Period:
    """One bar of the time chart: a month of the chosen year, or a year."""

    label: str
    hits: int = 0
    kudos: int = 0


@dataclass
class CreatorStats:
    owner: object
    year: int | None
    years: list[int]
    sort_column: str
    sort_direction: str
    flat_view: bool
    totals: Totals
    works: list[WorkStats]
    fandoms: list[FandomGroup] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)

    @property
    def year_label(self) -> str:
        return str(self.year) if self.year else ALL_YEARS

    @property
    def sort_label(self) -> str:
        return SORT_COLUMNS[self.sort_column]

    def top_works(self, limit: int = 10) -> list[WorkStats]:
        column = self.sort_column if self.sort_column not in ("date", "word_count") else "hits"
        ranked = sorted(self.works, key=lambda w: (-w.value(column), w.title.lower(), w.work_id))
        return ranked[:limit]

    @property
    def chart_column(self) -> str:
        return self.sort_column if self.sort_column not in ("date", "word_count") else "hits"


def stats_year(value: str | None, *, today: date | None = None) -> int | None:
    """``?year=2024`` → 2024; "All Years", nothing or nonsense → None."""
    today = today or timezone.localdate()
    try:
        year = int(value or "")
    except ValueError:
        return None
    return year if 1970 <= year <= today.year + 1 else None


def stats_sort(column: str | None, direction: str | None) -> tuple[str, str]:
    column = column if column in SORT_COLUMNS else DEFAULT_SORT
    if direction not in ("asc", "desc"):
        direction = "desc"
    return column, direction


def creator_stats(
    *,
    viewer,
    owner,
    year: int | None = None,
    sort_column: str = DEFAULT_SORT,
    sort_direction: str = "desc",
    flat_view: bool = False,
) -> CreatorStats:
    if not getattr(viewer, "is_authenticated", False) or viewer.pk != owner.pk:
        raise PermissionDenied("Only the creator may see these statistics.")
    sort_column, sort_direction = stats_sort(sort_column, sort_direction)

    works_qs = Work.objects.filter(
        posted=True, creatorships__pseud__user=owner, creatorships__accepted=True
    ).distinct()
    work_ids = works_qs.values("pk")
    rows = list(
        works_qs.values_list(
            "pk", "title", "word_count", "published_on", "created_at", "hit_count",
        )
    )
    fandoms: dict[int, list[str]] = defaultdict(list)
    for work_id, name in (
        WorkTag.objects.filter(work__in=work_ids, tag__type=TagType.FANDOM)
        .order_by("work_id", "position", "pk")
        .values_list("work_id", "tag__name")
    ):
        fandoms[work_id].append(name)

    works = {
        pk: WorkStats(
            work_id=pk,
            title=title,
            word_count=words,
            date=published or timezone.localdate(created),
            fandoms=fandoms.get(pk, []),
            hits=0 if year else hit_count,
        )
        for pk, title, words, published, created, hit_count in rows
    }

    periods = _periods(year, owner)
    period_of = {p.label: p for p in periods}

    def _label(value) -> str:
        return MONTHS[value - 1] if year else str(value)

    def by_period(queryset, date_field: str, amount, attribute: str, *, per_work: bool):
        """Add ``amount`` per work (when ``per_work``) and per period of the chart."""
        if year:
            queryset = queryset.filter(**{f"{date_field}__year": year}).annotate(
                period=ExtractMonth(date_field)
            )
        else:
            queryset = queryset.annotate(period=ExtractYear(date_field))
        for work_id, period, n in queryset.values("work_id", "period").annotate(
            n=amount
        ).values_list("work_id", "period", "n"):
            n = n or 0
            if per_work and work_id in works:
                setattr(works[work_id], attribute, getattr(works[work_id], attribute) + n)
            label = _label(period)
            if label in period_of:
                setattr(period_of[label], attribute, getattr(period_of[label], attribute) + n)

    # Hits from HitDay (a work's all-years total is its counter), kudos from their rows.
    by_period(HitDay.objects.filter(work__in=work_ids), "day", Sum("hits"), "hits",
              per_work=bool(year))
    by_period(Kudos.objects.filter(work__in=work_ids), "created_at", Count("pk"), "kudos",
              per_work=True)

    def counted(queryset, attribute: str) -> None:
        if year:
            queryset = queryset.filter(created_at__year=year)
        for work_id, n in (
            queryset.values("work_id").annotate(n=Count("pk")).values_list("work_id", "n")
        ):
            if work_id in works:
                setattr(works[work_id], attribute, n)

    counted(
        Comment.objects.filter(
            work__in=work_ids, depth=0, approved=True, spam=False, deleted=False
        ),
        "comment_threads",
    )
    counted(
        Bookmark.objects.filter(work__in=work_ids, private=False, hidden_by_admin=False),
        "bookmarks",
    )
    counted(Subscription.objects.filter(work__in=work_ids), "subscriptions")

    user_subscriptions = Subscription.objects.filter(creator=owner)
    if year:
        user_subscriptions = user_subscriptions.filter(created_at__year=year)

    ordered = _sorted(list(works.values()), sort_column, sort_direction)
    totals = Totals(
        words=sum(w.word_count for w in ordered),
        works=len(ordered),
        hits=sum(w.hits for w in ordered),
        kudos=sum(w.kudos for w in ordered),
        comment_threads=sum(w.comment_threads for w in ordered),
        bookmarks=sum(w.bookmarks for w in ordered),
        subscriptions=sum(w.subscriptions for w in ordered),
        user_subscriptions=user_subscriptions.count(),
    )
    return CreatorStats(
        owner=owner,
        year=year,
        years=_years(owner),
        sort_column=sort_column,
        sort_direction=sort_direction,
        flat_view=flat_view,
        totals=totals,
        works=ordered,
        fandoms=[] if flat_view else _grouped(ordered),
        periods=periods,
    )


def _sorted(works: list[WorkStats], column: str, direction: str) -> list[WorkStats]:
    # Ties keep title order whichever way the column runs.
    works = sorted(works, key=lambda w: (w.title.lower(), w.work_id))
    return sorted(works, key=lambda w: w.value(column), reverse=direction == "desc")


def _grouped(works: list[WorkStats]) -> list[FandomGroup]:
    """A work with several fandoms is listed under each, as AO3 does."""
    groups: dict[str, list[WorkStats]] = defaultdict(list)
    for work in works:
        for name in work.fandoms or [NO_FANDOM]:
            groups[name].append(work)
    return [FandomGroup(name, groups[name]) for name in sorted(groups, key=str.lower)]


def _years(owner) -> list[int]:
    """The years the select offers: from the year she joined to this one."""
    this_year = timezone.localdate().year
    joined = getattr(owner, "date_joined", None)
    first = timezone.localtime(joined).year if joined else this_year
    return list(range(this_year, min(first, this_year) - 1, -1))


def _periods(year: int | None, owner) -> list[Period]:
    if year:
        return [Period(label) for label in MONTHS]
    return [Period(str(y)) for y in reversed(_years(owner))]
