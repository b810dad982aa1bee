"""The daily kudos digest: one mail per creator per day, listing how many
kudos each of her works received since her last digest (at most a day back).

The worker calls ``kudos_digest_due`` on every round; it runs
``kudos_digest_run`` once a day (the first round after midnight, in the
site's time zone). Running it more often does no harm: the key
``kudos-digest:<user>:<date>`` makes a creator's second digest of a day a
no-op. Creators who switched kudos mail off get nothing recorded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts.models import Preference, User
from chapterhouse.web.caches import local_cache as cache
from chapterhouse.works.models import Creatorship

from ..models import Kudos, Notification, NotificationKind
from .notify import mail_record

WINDOW = datetime.timedelta(days=1)


def _last_digest_until(user_ids, since) -> dict[int, datetime.datetime]:
    """When each user's latest digest stopped counting (only recent ones matter)."""
    last: dict[int, datetime.datetime] = {}
    for user_id, payload in Notification.objects.filter(
        kind=NotificationKind.KUDOS, user_id__in=user_ids, created_at__gte=since - WINDOW
    ).values_list("user_id", "payload"):
        try:
            until = datetime.datetime.fromisoformat((payload or {}).get("until", ""))
        except (TypeError, ValueError):
            continue
        if user_id not in last or until > last[user_id]:
            last[user_id] = until
    return last


@transaction.atomic
def kudos_digest_run(now: datetime.datetime | None = None) -> int:
    """Record (and queue) today's digest for each creator whose works got
    kudos since her last digest. Returns how many digests were recorded."""
    now = now or timezone.now()
    since = now - WINDOW
    kudos = list(
        Kudos.objects.filter(created_at__gt=since, created_at__lte=now).values_list(
            "work_id", "created_at"
        )
    )
    if not kudos:
        return 0
    work_ids = {work_id for work_id, _ in kudos}
    creators_of: dict[int, set[int]] = defaultdict(set)
    for work_id, user_id in Creatorship.objects.filter(
        work_id__in=work_ids, accepted=True
    ).values_list("work_id", "pseud__user_id"):
        creators_of[work_id].add(user_id)
    user_ids = set().union(*creators_of.values()) if creators_of else set()
    muted = set(
        Preference.objects.filter(user_id__in=user_ids, kudos_emails_off=True).values_list(
            "user_id", flat=True
        )
    )
    last = _last_digest_until(user_ids, since)
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for work_id, created_at in kudos:
        for user_id in creators_of.get(work_id, ()):
            if user_id in muted or (user_id in last and created_at <= last[user_id]):
                continue
            counts[user_id][work_id] += 1
    recorded = 0
    date = timezone.localdate(now).isoformat()
    users = User.objects.in_bulk([pk for pk in counts if counts[pk]])
    for user_id in sorted(users):
        per_work = counts[user_id]
        user = users[user_id]
        if not user.is_active:
            continue
        recorded += mail_record(
            user=user, kind=NotificationKind.KUDOS, key=f"kudos-digest:{user_id}:{date}",
            payload={
                "since": max(since, last.get(user_id, since)).isoformat(),
                "until": now.isoformat(),
                "works": [
                    {"work_id": work_id, "count": count}
                    for work_id, count in sorted(per_work.items(), key=lambda kv: (-kv[1], kv[0]))
                ],
            },
        ) is not None
    return recorded


def kudos_digest_due(now: datetime.datetime | None = None) -> int:
    """Run the digest if this node has not run it today. For the worker loop."""
    now = now or timezone.now()
    marker = f"kudos-digest-ran:{timezone.localdate(now).isoformat()}"
    if cache.get(marker):
        return 0
    recorded = kudos_digest_run(now=now)
    cache.set(marker, True, int(2 * WINDOW.total_seconds()))
    return recorded
