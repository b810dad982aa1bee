"""Subscriptions through the API, through ``responses.services.subscriptions``:
follow a work (new chapters), a series (new parts) or a user (new works).

``POST``/``DELETE /works/{id}/subscription`` live on the works router;
``GET``/``POST /subscriptions`` and ``DELETE /subscriptions/{id}`` here.
"""

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status

from chapterhouse.accounts.models import User
from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.responses.models import Subscription
from chapterhouse.responses.selectors.subscriptions import SubscriptionRow, subscriptions_of
from chapterhouse.responses.services.subscriptions import (
    series_is_visible,
    subscription_create,
    subscription_delete,
)
from chapterhouse.works.models import Series

from ..auth import WRITE_AUTH, require_scope, token_auth, viewer_of
from ..schemas_writes import (
    WRITE_ERRORS,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPage,
    WriteErrorOut,
    site_url,
    visible_work,
    write_operation,
)
from .works import router as works_router

router = Router(tags=["subscriptions"])
PREFIX = "/subscriptions"

KINDS = {"work": "works", "user": "users", "series": "series"}


def _out(row: SubscriptionRow) -> SubscriptionOut:
    subscription = row.subscription
    target = subscription.work_id or subscription.creator_id or subscription.series_id
    return SubscriptionOut(
        id=subscription.pk, type=row.kind, target_id=target,
        title=row.title if row.available else "",
        url=site_url(row.path), available=row.available, created_at=subscription.created_at,
    )


def _row(subscription: Subscription) -> SubscriptionRow:
    """A subscription just made: its target is one the reader may see."""
    if subscription.work_id:
        work = subscription.work
        return SubscriptionRow(subscription, "work", work.title, f"/works/{work.pk}")
    if subscription.creator_id:
        name = subscription.creator.username
        return SubscriptionRow(subscription, "user", name, f"/users/{name}")
    series = subscription.series
    return SubscriptionRow(subscription, "series", series.title, f"/series/{series.pk}")


def _create(**target):
    """Subscribe, answering 201 for a new subscription and 200 for one the
    reader already had; a target she may not see is 404."""
    user = target["user"]
    lookup = {k: v for k, v in target.items() if k != "user" and v is not None}
    had = Subscription.objects.filter(user=user, **lookup).exists()
    try:
        subscription = subscription_create(**target)
    except ValidationError as error:
        if getattr(error, "code", None) == "not_found":
            raise Http404(error.messages[0]) from None
        raise
    return Status(200 if had else 201, _out(_row(subscription)))


@works_router.post("/{int:work_id}/subscription", auth=WRITE_AUTH,
                   response={200: SubscriptionOut, 201: SubscriptionOut, **WRITE_ERRORS},
                   tags=["subscriptions"], summary="Subscribe to a work")
@write_operation
def work_subscribe(request: HttpRequest, work_id: int):
    """Be told of each new chapter. Subscribing again answers 200 with the
    subscription you have."""
    user = viewer_of(request)
    return _create(user=user, work=visible_work(user, work_id))


@works_router.delete("/{int:work_id}/subscription", auth=WRITE_AUTH,
                     response={204: None, **WRITE_ERRORS}, tags=["subscriptions"],
                     summary="Unsubscribe from a work")
@write_operation
def work_unsubscribe(request: HttpRequest, work_id: int):
    user = viewer_of(request)
    work = visible_work(user, work_id)
    subscription = Subscription.objects.filter(user=user, work=work).first()
    if subscription is None:
        raise Http404("You are not subscribed to this work.")
    subscription_delete(user=user, subscription=subscription)
    return Status(204, None)


class SubscriptionsQuery(Schema):
    type: Literal["work", "series", "user"] | None = None
    page: int = 1


@router.get("", auth=token_auth, response={200: SubscriptionPage, 401: WriteErrorOut,
                                                    403: WriteErrorOut},
            summary="Your subscriptions")
def subscriptions_mine(request: HttpRequest, query: Query[SubscriptionsQuery]):
    """Newest first, 20 a page. A work or series you may no longer see shows
    as ``available: false``, without its title."""
    require_scope(request, "read")
    page = subscriptions_of(
        user=viewer_of(request), kind=KINDS.get(query.type or "", ""), page=query.page
    )
    return SubscriptionPage(
        items=[_out(row) for row in page.items], page=page.number, num_pages=page.num_pages,
        total=page.total,
    )


@router.post("", auth=WRITE_AUTH,
             response={200: SubscriptionOut, 201: SubscriptionOut, **WRITE_ERRORS},
             summary="Subscribe to a work, series or user")
@write_operation
def subscription_new(request: HttpRequest, payload: SubscriptionIn):
    """``{"type": "user", "name": "rowan"}``, ``{"type": "series", "id": 7}``…"""
    user = viewer_of(request)
    if payload.type == "user":
        creator = None
        if payload.name:
            creator = user_by_name(payload.name)
        elif payload.id is not None:
            creator = User.objects.filter(pk=payload.id, is_active=True).first()
        else:
            raise ValidationError({"name": ["Please give the user's name or id."]})
        if creator is None:
            raise Http404("We couldn't find that user.")
        return _create(user=user, creator=creator)
    if payload.id is None:
        raise ValidationError({"id": [f"Please give the {payload.type}'s id."]})
    if payload.type == "work":
        return _create(user=user, work=visible_work(user, payload.id))
    series = Series.objects.filter(pk=payload.id).first()
    if series is None or not series_is_visible(viewer=user, series=series):
        raise Http404("We couldn't find that series.")
    return _create(user=user, series=series)


@router.delete("/{int:subscription_id}", auth=WRITE_AUTH, response={204: None, **WRITE_ERRORS},
               summary="Unsubscribe")
@write_operation
def subscription_remove(request: HttpRequest, subscription_id: int):
    user = viewer_of(request)
    subscription = Subscription.objects.filter(pk=subscription_id, user=user).first()
    if subscription is None:
        raise Http404("We couldn't find that subscription.")
    subscription_delete(user=user, subscription=subscription)
    return Status(204, None)
