"""What one signed-in reader has to do with one work, read in one query.

The work page's panels (kudos, comments, bookmark, subscription, reading
place) and the header's inbox count each need a value or two about the
reader: whether the work's creators blocked her, her pseuds, her bookmark,
subscription and reading place on this work, her unread inbox count, and the
work's kudos counts. Built one ORM query each, they cost the page more time
in Python than everything else together; here they are one SQL statement of
plain values (one row per pseud, the rest scalar subqueries and one-row
joins that the database answers once), and each panel's selector takes its
part (``responses/page.py``). The rules stay with each feature: this module
only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from chapterhouse.accounts.models import Block, Pseud
from chapterhouse.works.models import Chapter

from ..models import Bookmark, InboxItem, Kudos, Reading, Subscription


@dataclass(frozen=True)
class BookmarkRow:
    pk: int
    pseud_id: int | None
    notes: str
    private: bool
    rec: bool


@dataclass(frozen=True)
class ReaderState:
    pseuds: list[Pseud]  # in the order pseuds_of gives them
    kudos_users: int
    kudos_guests: int
    blocked: bool  # one of ``creator_ids`` has blocked her
    bookmark: BookmarkRow | None
    subscription_id: int | None
    reading: Reading | None  # pk, to_read, chapter_id, position, chapter.position
    inbox_unread: int


_SQL = None


def _statement(blockers: int) -> str:
    global _SQL
    if _SQL is None:
        q = connection.ops.quote_name
        # Table and column names from the models; every value is a parameter.
        _SQL = f"""
SELECT p.id, p.name, p.is_default,
  (SELECT COUNT(*) FROM {q(Kudos._meta.db_table)} k
    WHERE k.work_id = %s AND k.user_id IS NOT NULL),
  (SELECT COUNT(*) FROM {q(Kudos._meta.db_table)} k
    WHERE k.work_id = %s AND k.user_id IS NULL),
  {{blocked}},
  b.id, b.pseud_id, b.notes, b.private, b.rec,
  (SELECT s.id FROM {q(Subscription._meta.db_table)} s WHERE s.user_id = %s AND s.work_id = %s),
  r.id, r.to_read, r.chapter_id, r.{q("position")}, c.{q("position")},
  (SELECT COUNT(*) FROM {q(InboxItem._meta.db_table)} i WHERE i.user_id = %s AND NOT i.{q("read")})
FROM (SELECT 1 AS one) o
LEFT JOIN {q(Pseud._meta.db_table)} p ON p.user_id = %s
LEFT JOIN {q(Bookmark._meta.db_table)} b ON b.user_id = %s AND b.work_id = %s
LEFT JOIN {q(Reading._meta.db_table)} r ON r.user_id = %s AND r.work_id = %s
LEFT JOIN {q(Chapter._meta.db_table)} c ON c.id = r.chapter_id
ORDER BY p.is_default DESC, LOWER(p.name)
"""  # noqa: S608
    if not blockers:
        return _SQL.replace("{blocked}", "0")
    marks = ", ".join(["%s"] * blockers)
    table = connection.ops.quote_name(Block._meta.db_table)
    return _SQL.replace(
        "{blocked}",
        f"(SELECT COUNT(*) FROM {table} x WHERE x.blocked_id = %s"  # noqa: S608
        f" AND x.blocker_id IN ({marks}))",
    )


def reader_state(*, user, work_id: int, creator_ids) -> ReaderState:
    """``user`` (signed in) on the work ``work_id`` whose accepted creators are
    the users ``creator_ids``. One query."""
    blockers = sorted({pk for pk in creator_ids if pk and pk != user.pk})
    params = [work_id, work_id]
    if blockers:
        params += [user.pk, *blockers]
    params += [user.pk, work_id, user.pk, user.pk, user.pk, work_id, user.pk, work_id]
    with connection.cursor() as cursor:
        cursor.execute(_statement(len(blockers)), params)
        rows = cursor.fetchall()
    first = rows[0]
    pseuds = [
        Pseud(pk=row[0], user_id=user.pk, name=row[1], is_default=bool(row[2]))
        for row in rows
        if row[0] is not None
    ]
    (
        kudos_users,
        kudos_guests,
        blocked,
        bookmark_id,
        pseud_id,
        notes,
        private,
        rec,
        subscription_id,
        reading_id,
        to_read,
        chapter_id,
        position,
        chapter_position,
        inbox_unread,
    ) = first[3:]
    bookmark = None
    if bookmark_id is not None:
        bookmark = BookmarkRow(bookmark_id, pseud_id, notes, bool(private), bool(rec))
    reading = None
    if reading_id is not None:
        reading = Reading(
            pk=reading_id,
            user_id=user.pk,
            work_id=work_id,
            to_read=bool(to_read),
            chapter_id=chapter_id,
            position=position,
        )
        if chapter_id is not None:
            reading.chapter = Chapter(pk=chapter_id, work_id=work_id, position=chapter_position)
    return ReaderState(
        pseuds=pseuds,
        kudos_users=kudos_users,
        kudos_guests=kudos_guests,
        blocked=bool(blocked),
        bookmark=bookmark,
        subscription_id=subscription_id,
        reading=reading,
        inbox_unread=inbox_unread,
    )


__all__ = ["BookmarkRow", "ReaderState", "reader_state"]
