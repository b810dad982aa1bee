"""Reads for kudos: the panel under a work and the full list of givers.

Kudos are public: anyone who may see the work may see who left kudos. Users
are shown by user name; guests only as a number.

The counts here are read from the kudos rows themselves, not from
``Work.kudos_count`` (which the worker folds in every second, see
services/kudos.py), so a reader sees her own kudos counted at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from ..models import Kudos

#: Names shown under a work before "and N more users".
NAMES_SHOWN = 50
#: Names per page of /works/ID/kudos.
NAMES_PER_PAGE = 500


@dataclass
class KudosSummary:
    names: list[str] = field(default_factory=list)  # newest first
    users: int = 0
    guests: int = 0

    @property
    def total(self) -> int:
        return self.users + self.guests

    @property
    def more(self) -> int:
        """Users who left kudos but are not among ``names``."""
        return max(0, self.users - len(self.names))


def _givers(work_id: int):
    return Kudos.objects.filter(work_id=work_id, user__isnull=False).order_by(
        "-created_at", "-pk"
    )


def _counts_sql() -> str:
    table = connection.ops.quote_name(Kudos._meta.db_table)
    # The table's name from the model; the work is a parameter.
    return (
        f"SELECT (SELECT COUNT(*) FROM {table} WHERE work_id = %s AND user_id IS NOT NULL),"  # noqa: S608
        f" (SELECT COUNT(*) FROM {table} WHERE work_id = %s AND user_id IS NULL)"
    )


def kudos_summary(*, work_id: int, names: int = NAMES_SHOWN) -> KudosSummary:
    """How many users and guests left kudos on the work, and the newest
    ``names`` user names: one query (plain SQL: the work page asks on every
    visit), two when users left kudos."""
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql(), [work_id, work_id])
        users, guests = cursor.fetchone()
    summary = KudosSummary(users=users, guests=guests)
    if summary.users and names:
        summary.names = list(_givers(work_id).values_list("user__username", flat=True)[:names])
    return summary


def kudos_panel(*, request, viewer, work, page, counts: tuple[int, int] | None = None) -> dict:
    """What ``responses/_kudos.html`` draws under the work. ``page`` is the
    work page (already checked: the viewer may see the work). ``counts``:
    (users, guests) when the caller has read them already (``reader_state``)."""
    if counts is None:
        summary = kudos_summary(work_id=work.pk)
    else:
        summary = KudosSummary(users=counts[0], guests=counts[1])
        if summary.users:
            summary.names = list(
                _givers(work.pk).values_list("user__username", flat=True)[:NAMES_SHOWN]
            )
    return {
        "work_id": work.pk,
        "own": bool(page.is_creator),
        "open": bool(work.posted and not page.is_creator),
        "summary": summary,
        "return_to": request.path if request is not None else f"/works/{work.pk}",
    }


@dataclass
class KudosPage:
    names: list[str]
    users: int
    guests: int
    number: int
    num_pages: int


def kudos_givers_page(*, work_id: int, page: int = 1) -> KudosPage:
    """Every user who left kudos on the work, newest first, a page at a time
    (the caller has checked that the viewer may see the work)."""
    summary = kudos_summary(work_id=work_id, names=0)
    num_pages = max(1, -(-summary.users // NAMES_PER_PAGE))
    number = min(max(1, page), num_pages)
    start = (number - 1) * NAMES_PER_PAGE
    names = list(
        _givers(work_id).values_list("user__username", flat=True)[start : start + NAMES_PER_PAGE]
    )
    return KudosPage(names=names, users=summary.users, guests=summary.guests,
                     number=number, num_pages=num_pages)
