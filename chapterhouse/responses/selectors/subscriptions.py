"""Reads for subscriptions: the button on a work page (and on user and
series pages), and a reader's own subscriptions page."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from chapterhouse.discovery.models import FilterSubscription
from chapterhouse.works.models import Creatorship, SeriesWork
from chapterhouse.works.selectors.listing import Page, paginate
from chapterhouse.works.selectors.visibility import is_signed_in, works_visible_to

from ..models import Subscription

#: ``?type=`` of the subscriptions page → the field that is set.
TYPES = {"works": "work", "users": "creator", "series": "series"}


#: ``subscription_panel``'s ``subscription_id`` when the caller has not read it.
UNKNOWN = object()


def subscription_panel(*, viewer, work, subscription_id=UNKNOWN) -> dict:
    """For ``responses/_actions_subscribe.html``: empty for guests and the
    work's creators (they see no button); otherwise the reader's subscription
    to this work, if any. One query (the work page's work knows whether the
    viewer is a creator: ``viewer_is_creator``); none when the caller passes
    ``subscription_id`` (the reader's subscription to the work, or None)."""
    if not is_signed_in(viewer) or not work.posted:
        return {}
    creator = getattr(work, "viewer_is_creator", None)
    if creator is None:
        creator = Creatorship.objects.filter(
            work=work, pseud__user=viewer, accepted=True
        ).exists()
    if creator:
        return {}
    if subscription_id is UNKNOWN:
        found = Subscription.objects.filter(user=viewer, work=work).values("pk").first()
        subscription_id = found["pk"] if found else None
    return {
        "show": True,
        "subscription_id": subscription_id,
        "subscribable_id": work.pk,
        "subscribable_type": "Work",
        "action": f"/users/{viewer.username}/subscriptions",
        "title": work.title,
    }


def subscription_button(request, *, creator=None, series=None) -> dict:
    """For ``responses/_subscribe_button.html`` on a user's or a series' page.
    Empty when no button belongs there: guests, oneself, one's own series."""
    viewer = request.user
    if not is_signed_in(viewer):
        return {}
    if creator is not None:
        if creator.pk == viewer.pk:
            return {}
        found = Subscription.objects.filter(user=viewer, creator=creator).values("pk").first()
        kind, target, title = "User", creator, creator.username
    elif series is not None:
        if series.creators.filter(user=viewer).exists():
            return {}
        found = Subscription.objects.filter(user=viewer, series=series).values("pk").first()
        kind, target, title = "Series", series, series.title
    else:
        return {}
    return {
        "show": True,
        "subscription_id": found["pk"] if found else None,
        "subscribable_id": target.pk,
        "subscribable_type": kind,
        "action": f"/users/{viewer.username}/subscriptions",
        "title": title,
        "next": request.get_full_path(),
    }


@dataclass
class SubscriptionRow:
    """One line of the subscriptions page. ``available`` is False for a work
    or series the reader may no longer see: it shows no title, only a way out."""

    subscription: Subscription
    kind: str
    title: str
    path: str
    available: bool = True


def _rows(subscriptions: list[Subscription], user) -> list[SubscriptionRow]:
    work_ids = [s.work_id for s in subscriptions if s.work_id]
    series_ids = [s.series_id for s in subscriptions if s.series_id]
    visible_works = set(
        works_visible_to(user).filter(pk__in=work_ids, posted=True).values_list("pk", flat=True)
    ) if work_ids else set()
    visible_series = set(
        SeriesWork.objects.filter(
            series_id__in=series_ids, work__in=works_visible_to(user).filter(posted=True)
        ).values_list("series_id", flat=True)
    ) if series_ids else set()
    rows = []
    for s in subscriptions:
        if s.work_id:
            rows.append(SubscriptionRow(
                s, "work", s.work.title, f"/works/{s.work_id}", s.work_id in visible_works
            ))
        elif s.creator_id:
            rows.append(SubscriptionRow(
                s, "user", s.creator.username, f"/users/{s.creator.username}",
                s.creator.is_active,
            ))
        else:
            rows.append(SubscriptionRow(
                s, "series", s.series.title, f"/series/{s.series_id}",
                s.series_id in visible_series,
            ))
    return rows


def subscriptions_of(*, user, kind: str = "", page=1) -> Page:
    """``user``'s subscriptions to works, users and series, newest first;
    ``kind`` is one of TYPES ("works", "users", "series") or empty for all."""
    subscriptions = Subscription.objects.filter(user=user).select_related(
        "work", "creator", "series"
    ).only(
        "pk", "created_at", "user_id", "work_id", "creator_id", "series_id",
        "work__title", "creator__username", "creator__is_active", "series__title",
    )
    field = TYPES.get(kind)
    if field:
        subscriptions = subscriptions.filter(**{f"{field}__isnull": False})
    return paginate(
        subscriptions.order_by("-created_at", "-pk"), page,
        prepare=lambda items: _rows(items, user),
    )


def follows_of(*, user) -> dict:
    """The tags and saved filters ``user`` follows (discovery's FilterSubscription)."""
    follows = list(
        FilterSubscription.objects.filter(user=user)
        .select_related("tag", "saved_filter")
        .order_by("-created_at", "-pk")
    )
    return {
        "tag_follows": [f for f in follows if f.tag_id],
        "filter_follows": [f for f in follows if f.saved_filter_id],
    }


def subscription_counts(*, user) -> dict[str, int]:
    """How many works, users and series ``user`` follows (one query), for the tabs."""
    return Subscription.objects.filter(user=user).aggregate(
        works=Count("pk", filter=Q(work__isnull=False)),
        users=Count("pk", filter=Q(creator__isnull=False)),
        series=Count("pk", filter=Q(series__isnull=False)),
    )


JINJA_GLOBALS = {"subscription_button": subscription_button}

__all__ = [
    "JINJA_GLOBALS", "TYPES", "SubscriptionRow", "follows_of", "subscription_button",
    "subscription_counts", "subscription_panel", "subscriptions_of",
]
