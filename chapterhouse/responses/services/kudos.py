"""Giving kudos, and folding the kudos rows into ``Work.kudos_count``.

``kudos_give`` checks every rule and records one ``Kudos`` row. It does not
touch the work's row: a thousand readers a second on one popular work would
otherwise queue behind each other's lock on that single row. Instead
``kudos_counts_flush`` (run every second by the worker) recounts the works
that received kudos lately, stores the counts and tells the search index, so
listings sorted by kudos move within a couple of seconds. The work page
itself counts the rows (``selectors/kudos.py``), so the reader who just left
kudos sees them at once. See docs/kudos.md.
"""

from __future__ import annotations

import time
from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, Max, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from chapterhouse.accounts.selectors import blocked_by_any
from chapterhouse.discovery.receivers import work_changed
from chapterhouse.moderation.guards import WriteRefused, may_write
from chapterhouse.web.caches import local_cache as cache
from chapterhouse.web.ratelimit import rate_limit_check, rate_limit_record
from chapterhouse.works.models import Creatorship, Work
from chapterhouse.works.selectors.visibility import can_view_work, work_needs_login

from ..models import Kudos

#: Kudos one user or one address may leave in RATE_WINDOW seconds.
RATE_LIMIT = 60
RATE_WINDOW = 60

#: Error keys, as in the JSON answer of ``/kudos.js`` (docs/kudos.md).
NO_WORK = "no_commentable"
REFUSED = "commentable"
USER_AGAIN = "user_id"
GUEST_AGAIN = "ip_address"

MESSAGES = {
    "missing": "We couldn't find that work, so there is nowhere to leave kudos.",
    "own": "You can't leave kudos on a work you created.",
    "restricted": "This work is only open to registered users. Please log in to leave kudos.",
    # A block is never named (docs/blocking.md), on anonymous works or named ones.
    "refused": "Sorry, you can't leave kudos on this work.",
    "again": "You've already left kudos on this work. :)",
    "no_address": "We couldn't tell where your request came from, so we can't record guest kudos.",
    "too_many": "You've left a lot of kudos in a short time. Please try again in {wait}.",
}


def _refuse(key: str, message: str, code: str) -> ValidationError:
    return ValidationError({key: [ValidationError(message, code=code)]})


def _giver(viewer, guest_ip) -> str:
    if getattr(viewer, "is_authenticated", False):
        return f"user:{viewer.pk}"
    return f"address:{guest_ip}"


def kudos_give(
    *,
    work: Work,
    viewer,
    guest_ip: str | None = None,
    guest_token: str = "",
    guest_works: Collection[int] = (),
) -> Kudos:
    """Leave kudos on ``work`` as ``viewer`` (a user, or a guest known by
    ``guest_ip``, her kudos cookie's ``guest_token`` and the works that cookie
    says she already left kudos on, ``guest_works``).

    Raises ``ValidationError`` whose ``message_dict`` has one of the keys
    above (``no_commentable`` when the viewer may not see the work or it is a
    draft), or ``RateLimited`` (a ``ValidationError`` with ``retry_after``).
    Two identical requests at once end in one row: the second is refused.
    """
    signed_in = getattr(viewer, "is_authenticated", False)
    try:
        may_write(user=viewer, action="kudos", address=guest_ip)
    except WriteRefused as refused:
        raise _refuse(REFUSED, refused.message, "moderation") from None
    if not can_view_work(viewer, work):
        if not signed_in and work_needs_login(viewer, work.pk):
            raise _refuse(REFUSED, MESSAGES["restricted"], "guest_on_restricted")
        raise _refuse(NO_WORK, MESSAGES["missing"], "no_commentable")
    if not work.posted:
        raise _refuse(NO_WORK, MESSAGES["missing"], "draft")
    if signed_in:
        credits = list(
            Creatorship.objects.filter(work=work).values_list("pseud__user_id", "accepted")
        )
        if any(user_id == viewer.pk for user_id, _ in credits):
            raise _refuse(REFUSED, MESSAGES["own"], "own_work")
        creators = [user_id for user_id, accepted in credits if accepted]
        if blocked_by_any(users=creators, blocked=viewer):
            raise _refuse(REFUSED, MESSAGES["refused"], "refused")
    else:
        if work.restricted:  # a guest never sees one; kept in case the door changes
            raise _refuse(REFUSED, MESSAGES["restricted"], "guest_on_restricted")
        if not guest_ip:
            raise _refuse(GUEST_AGAIN, MESSAGES["no_address"], "no_address")
        if work.pk in set(guest_works):
            raise _refuse(GUEST_AGAIN, MESSAGES["again"], "again")
    giver = _giver(viewer, guest_ip)
    rate_limit_check(
        scope="kudos", who=giver, count=RATE_LIMIT, window=RATE_WINDOW,
        message=MESSAGES["too_many"],
    )
    row = Kudos(work=work)
    if signed_in:
        row.user = viewer
    else:
        row.guest_ip, row.guest_token = guest_ip, guest_token[:64]
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # The unique constraints: this giver's kudos is there already (maybe
        # from a request that raced this one). Anything else is a real error.
        same = Kudos.objects.filter(work=work)
        same = same.filter(user=viewer) if signed_in else same.filter(
            user__isnull=True, guest_ip=guest_ip
        )
        if not same.exists():
            raise
        raise _refuse(
            USER_AGAIN if signed_in else GUEST_AGAIN, MESSAGES["again"], "again"
        ) from None
    rate_limit_record(scope="kudos", who=giver, count=RATE_LIMIT, window=RATE_WINDOW)
    return row


# Folding the counts ------------------------------------------------------------------

#: Kudos rows are looked at again for this many seconds after they are first
#: seen, so a row whose transaction committed late (ids are handed out before
#: commit) is still counted.
LOOKBACK_SECONDS = 60
#: With no memory of earlier runs (a fresh cache), how many of the newest rows
#: to look at.
COLD_START_ROWS = 100_000
#: How often the worker should run ``kudos_counts_flush``, in seconds.
FLUSH_INTERVAL = 1.0
_MARKS_KEY = "kudos:flush:marks"


def _actual_count():
    counted = (
        Kudos.objects.filter(work_id=OuterRef("pk"))
        .order_by()
        .values("work_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def kudos_counts_recount(*, work_ids) -> list[int]:
    """Store the true kudos count of each of ``work_ids`` whose stored count is
    off, tell the search index, and return the ids that changed."""
    ids = sorted({int(pk) for pk in work_ids})
    if not ids:
        return []
    with transaction.atomic():
        changed = list(
            Work.objects.filter(pk__in=ids)
            .annotate(actual=_actual_count())
            .exclude(kudos_count=F("actual"))
            .values_list("pk", flat=True)
        )
        if changed:
            Work.objects.filter(pk__in=changed).update(kudos_count=_actual_count())
            work_changed(changed)
    return changed


def kudos_counts_flush(*, now: float | None = None) -> int:
    """Fold recent kudos into ``Work.kudos_count``; returns how many works
    changed. Run it every ``FLUSH_INTERVAL`` seconds (the worker's quick
    tasks). Safe to run in several processes at once: each recounts from the
    rows, so the last one to write stores a true count."""
    now = time.time() if now is None else now
    top = Kudos.objects.aggregate(top=Max("pk"))["top"] or 0
    marks: list[tuple[float, int]] = cache.get(_MARKS_KEY) or [
        (now - LOOKBACK_SECONDS, max(0, top - COLD_START_ROWS))
    ]
    settled = [mark for mark in marks if mark[0] <= now - LOOKBACK_SECONDS]
    floor = max(pk for _, pk in settled) if settled else min(pk for _, pk in marks)
    recent = [mark for mark in marks if mark[0] > now - LOOKBACK_SECONDS]
    cache.set(_MARKS_KEY, [*settled[-1:], *recent, (now, top)], LOOKBACK_SECONDS * 10)
    work_ids = (
        Kudos.objects.filter(pk__gt=floor).order_by().values_list("work_id", flat=True).distinct()
    )
    return len(kudos_counts_recount(work_ids=list(work_ids)))
