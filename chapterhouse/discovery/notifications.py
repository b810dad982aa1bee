"""Telling readers of new works: the background task that turns each
``work.posted`` outbox event into ``FilterNotification`` rows.

For each newly posted work, a reader who follows one of its effective filter
tags, or a saved filter it matches, gets one notification, once, unless:

- she may not see the work (``works.selectors.visibility``), for example it
  was hidden by an admin before the task ran;
- it is her own work;
- she has muted one of its creators (not for an anonymous work: leaving it out
  would tell her who wrote it) or one of its tags.

A reader whose follows match the same work several times is told once.
Delivery (an inbox entry and a mail) is done right after, by
``filter_notifications_deliver``, through the responses features.

**Exactly once, cluster-wide.** Each event is taken in its own transaction:
on PostgreSQL its row is locked with ``SKIP LOCKED``, so a second worker
takes the next event instead; on SQLite our transactions start IMMEDIATE, so
two runs take turns. The event is marked processed in the same transaction
as the notifications it caused, and a reader already told of a work is never
told again, so running the task twice changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from chapterhouse.tags.models import WorkFilterTag
from chapterhouse.works.models import Creatorship, Work
from chapterhouse.works.selectors.visibility import can_view_work

from . import selectors
from .feeds import saved_filter_query
from .models import FilterNotification, FilterSubscription, OutboxEvent
from .mutes import Mutes, mutes_of
from .outbox import WORK_POSTED
from .query import WorkQuery

log = logging.getLogger(__name__)


def _next_event_locked() -> OutboxEvent | None:
    pending = OutboxEvent.objects.filter(topic=WORK_POSTED, processed_at__isnull=True).order_by(
        "pk"
    )
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return pending.first()


def filter_notifications_run(*, limit: int = 500) -> int:
    """Take up to ``limit`` unprocessed ``work.posted`` events, oldest first,
    record the notifications they cause and mark them processed. Returns the
    number of notifications written."""
    written = 0
    for _ in range(limit):
        with transaction.atomic():
            event = _next_event_locked()
            if event is None:
                break
            work_ids = [int(pk) for pk in (event.payload or {}).get("work_ids", [])]
            written += _notify(work_ids)
            OutboxEvent.objects.filter(pk=event.pk).update(processed_at=timezone.now())
    if written:
        log.info("Recorded %d notification(s) of new works.", written)
    filter_notifications_deliver(limit=limit)
    return written


def _next_undelivered_locked() -> FilterNotification | None:
    pending = (
        FilterNotification.objects.filter(delivered_at__isnull=True)
        .select_related("user", "work", "subscription__tag", "subscription__saved_filter")
        .order_by("pk")
    )
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return pending.first()


def filter_notifications_deliver(*, limit: int = 500) -> int:
    """Deliver up to ``limit`` recorded notifications, oldest first: each gets
    an inbox entry and, unless the reader turned subscription mail off, a
    mail (responses.services.inbox). Each is taken and marked delivered in its
    own transaction, so two workers never deliver the same one; delivery is
    idempotent by key besides. ``filter_notifications_run`` calls this after
    recording. Returns the number delivered."""
    from chapterhouse.responses.services.inbox import filter_notification_deliver

    delivered = 0
    for _ in range(limit):
        with transaction.atomic():
            notification = _next_undelivered_locked()
            if notification is None:
                break
            filter_notification_deliver(notification=notification)
            delivered += 1
    return delivered


class _Reader:
    """One subscriber, with what the task asks about her answered once per event."""

    def __init__(self, user):
        self.user = user
        self._mutes: Mutes | None = None
        self._may_see: dict[int, bool] = {}

    def may_be_told(self, work: Work, facts: _WorkFacts) -> bool:
        """Not her own work, she may see it, and she hasn't muted it."""
        if self.user.pk in facts.creator_user_ids:
            return False
        if work.pk not in self._may_see:
            self._may_see[work.pk] = self.user.is_active and can_view_work(self.user, work)
        if not self._may_see[work.pk]:
            return False
        if self._mutes is None:
            self._mutes = mutes_of(self.user)
        return not self._mutes.hides(
            creator_user_ids=facts.creator_user_ids,
            filter_tag_ids=facts.filter_tag_ids,
            anonymous=work.anonymous,
        )


@dataclass
class _WorkFacts:
    filter_tag_ids: set[int] = field(default_factory=set)
    creator_user_ids: set[int] = field(default_factory=set)


def _facts_of(work_ids: list[int]) -> dict[int, _WorkFacts]:
    facts = {pk: _WorkFacts() for pk in work_ids}
    for work_id, tag_id in WorkFilterTag.objects.filter(work_id__in=work_ids).values_list(
        "work_id", "tag_id"
    ):
        facts[work_id].filter_tag_ids.add(tag_id)
    for work_id, user_id in Creatorship.objects.filter(
        work_id__in=work_ids, accepted=True
    ).values_list("work_id", "pseud__user_id"):
        facts[work_id].creator_user_ids.add(user_id)
    return facts


def _notify(work_ids: list[int]) -> int:
    works = list(Work.objects.filter(pk__in=work_ids, posted=True).order_by("pk"))
    if not works:
        return 0
    facts = _facts_of([work.pk for work in works])
    all_tags = set().union(*(each.filter_tag_ids for each in facts.values()))
    # Tag follows first (cheap to match), then saved filters, each oldest first.
    tag_follows = list(
        FilterSubscription.objects.filter(tag_id__in=all_tags).select_related("user").order_by("pk")
    )
    filter_follows = list(
        FilterSubscription.objects.filter(saved_filter__isnull=False)
        .select_related("user", "saved_filter")
        .order_by("pk")
    )
    told = set(
        FilterNotification.objects.filter(work_id__in=facts).values_list("user_id", "work_id")
    )
    readers: dict[int, _Reader] = {}
    queries: dict[int, WorkQuery | None] = {}
    fresh: list[FilterNotification] = []
    for work in works:
        about = facts[work.pk]
        candidates = [s for s in tag_follows if s.tag_id in about.filter_tag_ids]
        for subscription in candidates + filter_follows:
            if (subscription.user_id, work.pk) in told:
                continue
            reader = readers.setdefault(subscription.user_id, _Reader(subscription.user))
            if not reader.may_be_told(work, about):
                continue
            if subscription.saved_filter_id is not None:
                if subscription.saved_filter_id not in queries:
                    queries[subscription.saved_filter_id] = saved_filter_query(
                        subscription.saved_filter
                    )
                query = queries[subscription.saved_filter_id]
                if query is None or not selectors.work_matches(
                    viewer=reader.user, query=query, work_id=work.pk
                ):
                    continue
            told.add((subscription.user_id, work.pk))
            fresh.append(
                FilterNotification(subscription=subscription, user_id=subscription.user_id,
                                   work=work)
            )
    FilterNotification.objects.bulk_create(fresh)
    return len(fresh)
