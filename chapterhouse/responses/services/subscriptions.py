"""Subscriptions: a reader follows a work (new chapters), a creator (new
works) or a series (new parts), and is told when one comes.

``subscription_create`` and ``subscription_delete`` are the only doors for
changing them. ``subscriptions_notify_posted`` is called by the works services
at the moments something becomes visible to readers (a work first posted, a
chapter posted by hand or by the scheduler, a posted work put in a series).

Rules:
- one subscribes only to what one can see, and never to oneself or one's own work;
- a creator subscription never reveals an anonymous work: nobody is told of it;
- a subscriber is told only if she may see the work, is not one of its
  creators and is not blocked by one of them; each news reaches each person
  once (the inbox and mail keys make a repeat a no-op).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from chapterhouse.accounts.models import User
from chapterhouse.accounts.selectors import blocked_by_any, is_blocked, preference_for
from chapterhouse.works.models import Chapter, Creatorship, Series, SeriesWork, Work
from chapterhouse.works.selectors.visibility import (
    can_view_work,
    chapters_visible_to,
    is_creator,
    is_signed_in,
    works_visible_to,
)

from ..models import InboxKind, NotificationKind, Subscription
from .notify import inbox_deliver, mail_record


def _creator_ids(work: Work) -> list[int]:
    return list(
        Creatorship.objects.filter(work=work, accepted=True)
        .values_list("pseud__user_id", flat=True)
        .distinct()
    )


def series_is_visible(*, viewer, series: Series) -> bool:
    """A series is there for a reader when it holds a work she may see."""
    visible = works_visible_to(viewer).filter(posted=True)
    return SeriesWork.objects.filter(series=series, work__in=visible).exists()


def _check_work(user: User, work: Work) -> None:
    if not can_view_work(user, work) or not work.posted:
        raise ValidationError("We couldn't find that work.", code="not_found")
    if is_creator(user, work):
        raise ValidationError("You can't subscribe to your own work.", code="own")
    if not work.anonymous and blocked_by_any(users=_creator_ids(work), blocked=user):
        raise PermissionDenied("Sorry, you can't subscribe to this work.")


def _check_creator(user: User, creator: User) -> None:
    if not creator.is_active:
        raise ValidationError("We couldn't find that user.", code="not_found")
    if creator.pk == user.pk:
        raise ValidationError("You can't subscribe to yourself.", code="own")
    if is_blocked(blocker=creator, blocked=user):
        raise PermissionDenied("Sorry, you can't subscribe to this user.")


def _check_series(user: User, series: Series) -> None:
    if not series_is_visible(viewer=user, series=series):
        raise ValidationError("We couldn't find that series.", code="not_found")
    if series.creators.filter(user=user).exists():
        raise ValidationError("You can't subscribe to your own series.", code="own")


@transaction.atomic
def subscription_create(
    *, user, work: Work | None = None, creator: User | None = None, series: Series | None = None
) -> Subscription:
    """Follow exactly one of ``work``, ``creator`` or ``series``. Subscribing
    twice returns the existing subscription."""
    if not is_signed_in(user):
        raise PermissionDenied("Please log in to subscribe.")
    targets = [t for t in (work, creator, series) if t is not None]
    if len(targets) != 1:
        raise ValidationError("Please choose one work, user or series to subscribe to.")
    if work is not None:
        _check_work(user, work)
        lookup = {"work": work}
    elif creator is not None:
        _check_creator(user, creator)
        lookup = {"creator": creator}
    else:
        _check_series(user, series)
        lookup = {"series": series}
    existing = Subscription.objects.filter(user=user, **lookup).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Subscription.objects.create(user=user, **lookup)
    except IntegrityError:  # a double click won the race
        return Subscription.objects.get(user=user, **lookup)


@transaction.atomic
def subscription_delete(*, user, subscription: Subscription) -> None:
    """Stop following. Only the subscriber may."""
    if not is_signed_in(user) or subscription.user_id != user.pk:
        raise PermissionDenied("Sorry, that isn't your subscription.")
    subscription.delete()


# Telling subscribers ---------------------------------------------------------------------


def _recipients(subscriptions, *, work: Work, creators: set[int]):
    """The subscribers of ``subscriptions`` who may hear about ``work``."""
    for subscription in subscriptions:
        reader = subscription.user
        if not reader.is_active or reader.pk in creators:
            continue
        if not can_view_work(reader, work):
            continue
        if blocked_by_any(users=list(creators), blocked=reader):
            continue
        yield subscription


def _tell(*, reader, key: str, text: str, work: Work, chapter: Chapter | None,
          payload: dict) -> bool:
    delivered = inbox_deliver(
        user=reader, kind=InboxKind.SUBSCRIPTION, key=key, text=text, work=work, chapter=chapter
    )
    preference = preference_for(reader)
    if preference is None or not preference.subscription_emails_off:
        mail_record(user=reader, kind=NotificationKind.SUBSCRIPTION, key=key, payload=payload)
    return delivered is not None


def _work_of(work) -> Work | None:
    if isinstance(work, Work):
        return work
    return Work.objects.filter(pk=work).first()


def _chapter_of(chapter, work: Work) -> Chapter | None:
    if chapter is None or isinstance(chapter, Chapter):
        return chapter
    return Chapter.objects.filter(pk=chapter, work=work).first()


def _subscribers(**lookup):
    return Subscription.objects.filter(**lookup).select_related("user").order_by("pk")


@transaction.atomic(savepoint=False)
def subscriptions_notify_posted(
    *, work, chapter=None, series: Series | None = None,
    creator_ids: Iterable[int] | None = None, in_series: bool = True,
) -> int:
    """Tell subscribers that something of ``work`` became visible; returns how
    many people got a new inbox entry.

    - ``chapter`` given: a new chapter of a posted work → the work's subscribers.
    - ``series`` given: the posted ``work`` was put in ``series`` → its subscribers.
    - neither: ``work`` was just posted → subscribers of each creator (unless
      the work is anonymous) and of each series it is in.

    ``work`` and ``chapter`` may be given as ids (the scheduler has only those).
    A caller that knows them already gives ``creator_ids`` (the users of the
    work's accepted credits) and ``in_series=False`` (a work in no series),
    which saves reading them.
    Runs in the caller's transaction; mail is queued when it commits.
    """
    work = _work_of(work)
    if work is None or not work.posted:
        return 0
    if chapter is None and work.in_unrevealed_collection:
        # Its title and creators are a mystery until the collection is revealed.
        return 0
    chapter = _chapter_of(chapter, work)
    creators = set(_creator_ids(work) if creator_ids is None else creator_ids)
    told = 0
    if chapter is not None:
        if not chapter.posted or chapter.work_id != work.pk:
            return 0
        number = chapters_visible_to(None, work, creator=False).filter(
            position__lte=chapter.position
        ).count() or chapter.position
        title = f": {chapter.title}" if chapter.title else ""
        for subscription in _recipients(_subscribers(work=work), work=work, creators=creators):
            reader = subscription.user
            told += _tell(
                reader=reader,
                key=f"sub:work:{work.pk}:chapter:{chapter.pk}:to:{reader.pk}",
                text=f"A new chapter of {work.title} was posted: Chapter {number}{title}",
                work=work, chapter=chapter,
                payload={"work_id": work.pk, "chapter_id": chapter.pk},
            )
        return told

    seen: set[int] = set()
    if series is None:
        series_list = (
            list(Series.objects.filter(parts__work=work).order_by("pk")) if in_series else []
        )
        if not work.anonymous:
            creator_users: dict[int, User] = {}  # read at the first subscriber, if any
            for subscription in _recipients(
                _subscribers(creator_id__in=creators), work=work, creators=creators
            ):
                reader = subscription.user
                if reader.pk in seen:  # follows two of the co-creators: one message
                    continue
                seen.add(reader.pk)
                if not creator_users:
                    creator_users = {u.pk: u for u in User.objects.filter(pk__in=creators)}
                name = creator_users[subscription.creator_id].username
                told += _tell(
                    reader=reader,
                    key=f"sub:creator:work:{work.pk}:to:{reader.pk}",
                    text=f"{name} posted a new work: {work.title}",
                    work=work, chapter=None,
                    payload={"work_id": work.pk, "creator_id": subscription.creator_id},
                )
    else:
        series_list = [series]
    for each in series_list:
        for subscription in _recipients(_subscribers(series=each), work=work, creators=creators):
            reader = subscription.user
            if reader.pk in seen:
                continue
            seen.add(reader.pk)
            told += _tell(
                reader=reader,
                key=f"sub:series:{each.pk}:work:{work.pk}:to:{reader.pk}",
                text=f"A new part of the series {each.title} was posted: {work.title}",
                work=work, chapter=None,
                payload={"work_id": work.pk, "series_id": each.pk},
            )
    return told


def subscriptions_series_of(work: Work) -> set[int] | None:
    """The series a posted ``work`` is in now (None for a draft); give it to
    ``subscriptions_notify_series_added`` after changing the work's series."""
    if work.pk is None or not work.posted:
        return None
    return set(SeriesWork.objects.filter(work=work).values_list("series_id", flat=True))


def subscriptions_notify_series_added(*, work: Work, before: set[int] | None) -> int:
    """After an already posted work was put in more series: tell each new
    series' subscribers. ``before`` is None when the work was a draft: posting
    it announces its series (``subscriptions_notify_posted``)."""
    if before is None or not work.posted:
        return 0
    added = Series.objects.filter(parts__work=work).exclude(pk__in=before).order_by("pk")
    return sum(subscriptions_notify_posted(work=work, series=each) for each in added)
