"""The one door for privacy: who may see which works and chapters.

Every page, listing, count, feed, download and API call that shows works asks
here. Nothing else in the code decides visibility.

- Guests see posted works that are neither restricted nor hidden by an admin.
- Signed-in readers also see restricted works.
- Creators (accepted creatorships) see their own works in every state,
  drafts included, and every chapter of them.
- Admins (staff) also see works hidden by an admin; drafts stay private to
  their creators.
- A chapter is visible when its work is and the chapter is posted, or its
  scheduled time has come (the background task marks it posted soon after).
- An anonymous work in a series that also holds a named work is not shown as
  part of that series, except to its creators and admins: the series would
  otherwise pair it with its siblings' bylines.
- A tag is known to a viewer when it is canonical (wranglers chose it) or a
  posted work (or a bookmark) she may see is tagged with it; a tag used only on drafts, hidden
  works (or, for guests, restricted works) is nobody's business. Wranglers and
  admins know every tag. Counts under a tag count the works she may see.
- A work in an unrevealed collection (``Work.in_unrevealed_collection``) is
  seen as itself only by its creators, the collection's maintainers and
  admins; the collection's pages and the work page show everyone else a
  "Mystery Work" (docs/collections.md), and no other listing shows it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from chapterhouse.tags.models import Tag, WorkFilterTag
from chapterhouse.web.rows import row_reader

from ..models import Chapter, Creatorship, SeriesWork, Work, WorkTag


def is_signed_in(viewer) -> bool:
    """Is ``viewer`` a signed-in user (not a guest, not None)?"""
    return bool(getattr(viewer, "is_authenticated", False))


def signed_in_user(viewer):
    """The viewer when she is signed in, else None (a guest)."""
    return viewer if is_signed_in(viewer) else None


def _is_admin(viewer) -> bool:
    return bool(getattr(viewer, "is_staff", False))


def _creator_works(user) -> QuerySet:
    return Creatorship.objects.filter(pseud__user=user, accepted=True).values("work_id")


def _maintained_works(user) -> QuerySet:
    """Works in a collection ``user`` maintains (any state of the item)."""
    from chapterhouse.collections.models import CollectionItem

    return CollectionItem.objects.filter(collection__maintainers__user=user).values("work_id")


def works_visible_to(viewer, queryset: QuerySet[Work] | None = None, *,
                     mysteries: bool = False) -> QuerySet[Work]:
    """Works ``viewer`` (a user, or AnonymousUser/None for a guest) may see.

    A work in an unrevealed collection is left out, except for its creators,
    the collection's maintainers and admins. ``mysteries=True`` keeps it: only
    for a page that then shows it as a "Mystery Work" to whoever may not unmask
    it (``can_unmask_unrevealed``), as the collection's pages and the work page do.
    """
    works = Work.objects.all() if queryset is None else queryset
    user = signed_in_user(viewer)
    public = Q(posted=True)
    if not _is_admin(user):
        public &= Q(hidden_by_admin=False)
        if not mysteries:
            revealed = Q(in_unrevealed_collection=False)
            if user is not None:
                revealed |= Q(pk__in=_maintained_works(user))
            public &= revealed
    if user is None:
        return works.filter(public & Q(restricted=False))
    return works.filter(public | Q(pk__in=_creator_works(user)))


def unmasked_unrevealed_q(viewer) -> Q:
    """For works: the viewer may see them as themselves even when they are in
    an unrevealed collection (revealed works, her own, ones in a collection she
    maintains; an admin every one)."""
    user = signed_in_user(viewer)
    if _is_admin(user):
        return Q()
    q = Q(in_unrevealed_collection=False)
    if user is not None:
        q |= Q(pk__in=_creator_works(user)) | Q(pk__in=_maintained_works(user))
    return q


def can_unmask_unrevealed(viewer, work: Work) -> bool:
    if not work.in_unrevealed_collection or _is_admin(signed_in_user(viewer)):
        return True
    return Work.objects.filter(unmasked_unrevealed_q(viewer), pk=work.pk).exists()


def is_creator(viewer, work: Work) -> bool:
    """An accepted creator of ``work``: may edit it and see it in every state."""
    user = signed_in_user(viewer)
    if user is None:
        return False
    return Creatorship.objects.filter(work=work, pseud__user=user, accepted=True).exists()


def can_view_work(viewer, work: Work) -> bool:
    return works_visible_to(viewer, Work.objects.filter(pk=work.pk)).exists()


def chapter_is_live_q(now=None) -> Q:
    """Chapters readers may see: posted, or due by their schedule."""
    now = now or timezone.now()
    return Q(posted=True) | Q(scheduled_for__isnull=False, scheduled_for__lte=now)


def chapters_visible_to(viewer, work: Work, *, creator: bool | None = None) -> QuerySet[Chapter]:
    """The chapters of ``work`` that ``viewer`` may read, in order.

    Pass ``creator`` when the caller already knows it, to save a query.
    """
    chapters = Chapter.objects.filter(work=work).order_by("position", "pk")
    if creator is None:
        creator = is_creator(viewer, work)
    if creator:
        return chapters
    return chapters.filter(chapter_is_live_q())


def annotate_is_creator(works: QuerySet[Work], viewer) -> QuerySet[Work]:
    """Adds ``viewer_is_creator`` to each work, for listings that show edit links."""
    user = signed_in_user(viewer)
    if user is None:
        return works.annotate(viewer_is_creator=Value(False, output_field=BooleanField()))
    return works.annotate(
        viewer_is_creator=Exists(
            Creatorship.objects.filter(work=OuterRef("pk"), pseud__user=user, accepted=True)
        )
    )


def work_needs_login(viewer, work_id: int) -> bool:
    """True when a guest may not see the work only because it is restricted.

    The page then asks the guest to log in, as AO3 does, instead of saying the
    work does not exist. Drafts and hidden works stay a plain 404.
    """
    if signed_in_user(viewer) is not None:
        return False
    return Work.objects.filter(
        pk=work_id, posted=True, hidden_by_admin=False, restricted=True
    ).exists()


# Tags ----------------------------------------------------------------------------------


def _knows_every_tag(viewer) -> bool:
    """Wranglers and admins wrangle every tag, drafts' tags included."""
    user = signed_in_user(viewer)
    return user is not None and (
        user.is_staff or user.has_perm("tags.wrangle_tag")
    )


def tags_visible_to(viewer, queryset: QuerySet[Tag] | None = None) -> QuerySet[Tag]:
    """The tags ``viewer`` may know exist: canonical ones, and the others when
    a posted work she may see is tagged with them, or a bookmark she may see
    (bookmarkers tag too, and so do external works). ``EXISTS`` per candidate
    tag, answered by the indexes of the tag rows by tag."""
    from chapterhouse.responses.models import BookmarkTag, ExternalWorkTag
    from chapterhouse.responses.selectors.bookmarks import bookmarks_visible_to

    tags = Tag.objects.all() if queryset is None else queryset
    if _knows_every_tag(viewer):
        return tags
    # Each test is an EXISTS correlated row by row (the tag's uses, then that
    # one work or bookmark by its key), so the planner walks the tag's uses
    # and stops at the first visible one instead of first listing every
    # visible work of the archive (0.9 s at 1M works).
    seen = works_visible_to(viewer).filter(posted=True)
    on_work = Exists(WorkTag.objects.filter(tag=OuterRef("pk")).filter(
        Exists(seen.filter(pk=OuterRef("work_id")))))
    bookmarks = bookmarks_visible_to(viewer)
    on_bookmark = Exists(BookmarkTag.objects.filter(tag=OuterRef("pk")).filter(
        Exists(bookmarks.filter(pk=OuterRef("bookmark_id")))))
    on_external = Exists(ExternalWorkTag.objects.filter(tag=OuterRef("pk")).filter(
        Exists(bookmarks.filter(external_work_id=OuterRef("external_work_id")))))
    return tags.filter(Q(canonical=True) | on_work | on_bookmark | on_external)


def visible_tag_rows(viewer, ids: Iterable[int]) -> list[tuple[int, str, str]]:
    """(id, name, type) of those of ``ids`` that ``viewer`` may know exist.

    Canonical tags are public, so they are read by their keys alone; only
    the others go through ``tags_visible_to``'s per-tag EXISTS tests (a
    listing's ticked tags are nearly always canonical: this keeps the
    sidebar of a filtered listing at one short query)."""
    ids = {int(pk) for pk in ids}
    if not ids:
        return []
    rows = list(Tag.objects.filter(pk__in=ids).values_list("pk", "name", "type", "canonical"))
    found = [(pk, name, kind) for pk, name, kind, canonical in rows if canonical]
    others = [pk for pk, _name, _kind, canonical in rows if not canonical]
    if others:
        found += list(tags_visible_to(viewer, Tag.objects.filter(pk__in=others))
                      .values_list("pk", "name", "type"))
    return found


def tag_is_visible(viewer, tag: Tag) -> bool:
    if tag.canonical or _knows_every_tag(viewer):
        return True
    return tags_visible_to(viewer, Tag.objects.filter(pk=tag.pk)).exists()


def tag_work_counts(viewer, tags: Iterable[Tag]) -> dict[int, int]:
    """Per tag, the posted works ``viewer`` may see that are listed under it (as
    ``/tags/NAME/works`` lists them: a canonical tag through the effective
    filter tags, any other tag through its direct uses). Two grouped queries,
    however many tags."""
    tags = list(tags)
    seen = works_visible_to(viewer).filter(posted=True).values("pk")
    counts: dict[int, int] = {}
    for rows, ids in (
        (WorkFilterTag.objects, [t.pk for t in tags if t.canonical]),
        (WorkTag.objects, [t.pk for t in tags if not t.canonical]),
    ):
        if ids:
            grouped = (rows.filter(tag_id__in=ids, work_id__in=seen).values("tag_id")
                       .annotate(n=Count("work_id")).values_list("tag_id", "n"))
            counts.update(grouped)
    return counts


# Series ----------------------------------------------------------------------------------


def anonymous_among_named_q() -> Q:
    """For ``SeriesWork`` rows: an anonymous work's place in a series that also
    holds a work naming its creators (in any state: a draft is posted one day)."""
    named_sibling = Exists(
        SeriesWork.objects.filter(series=OuterRef("series"), work__anonymous=False)
    )
    return Q(work__anonymous=True) & Q(named_sibling)


def series_parts_visible_to(viewer, queryset: QuerySet[SeriesWork] | None = None
                            ) -> QuerySet[SeriesWork]:
    """The places in series ``viewer`` may see: of works she may see, minus an
    anonymous work's place beside named siblings unless she may unmask it (its
    creators and admins may)."""
    parts = SeriesWork.objects.all() if queryset is None else queryset
    parts = parts.filter(work__in=works_visible_to(viewer))
    user = signed_in_user(viewer)
    if _is_admin(user):
        return parts
    masked = anonymous_among_named_q()
    if user is not None:
        masked &= ~Q(work__in=_creator_works(user))
    return parts.exclude(masked)


# The work page's reads as plain SQL ------------------------------------------------------
#
# The same rules as ``works_visible_to`` and ``chapters_visible_to``, written
# once more as SQL of plain values, for the page read most (the work page):
# building the ORM's query costs more CPU time than the database spends
# answering it. ``tests/test_selectors_visibility_sql.py`` holds the two
# against each other over every state of a work and every kind of viewer.


def _table(model) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    from django.db import connection

    return connection.ops.quote_name(model._meta.get_field(name).column)


def _creator_exists_sql(alias: str) -> str:
    """EXISTS: the user (one parameter) is an accepted creator of work ``alias``."""
    from chapterhouse.accounts.models import Pseud

    return (
        f"EXISTS (SELECT 1 FROM {_table(Creatorship)} c"  # noqa: S608
        f" JOIN {_table(Pseud)} p ON p.{_column(Pseud, 'id')} = c.{_column(Creatorship, 'pseud')}"
        f" WHERE c.{_column(Creatorship, 'work')} = {alias}.{_column(Work, 'id')}"
        f" AND p.{_column(Pseud, 'user')} = %s AND c.{_column(Creatorship, 'accepted')} = %s)"
    )


def _maintained_exists_sql(alias: str) -> str:
    """EXISTS: work ``alias`` is in a collection the user (one parameter) maintains."""
    from chapterhouse.collections.models import CollectionItem, Maintainer

    return (
        f"EXISTS (SELECT 1 FROM {_table(CollectionItem)} ci"  # noqa: S608
        f" JOIN {_table(Maintainer)} m"
        f" ON m.{_column(Maintainer, 'collection')} = ci.{_column(CollectionItem, 'collection')}"
        f" WHERE ci.{_column(CollectionItem, 'work')} = {alias}.{_column(Work, 'id')}"
        f" AND m.{_column(Maintainer, 'user')} = %s)"
    )


def visible_work_where(viewer, alias: str = "w", *, mysteries: bool = False
                       ) -> tuple[str, list]:
    """``works_visible_to`` as a plain SQL condition on the work row ``alias``,
    with its parameters."""
    user = signed_in_user(viewer)
    col = {name: f"{alias}.{_column(Work, name)}" for name in (
        "posted", "hidden_by_admin", "in_unrevealed_collection", "restricted")}
    public, params = f"{col['posted']} = %s", [True]
    if not _is_admin(user):
        public += f" AND {col['hidden_by_admin']} = %s"
        params.append(False)
        if not mysteries:
            if user is None:
                public += f" AND {col['in_unrevealed_collection']} = %s"
                params.append(False)
            else:
                public += (f" AND ({col['in_unrevealed_collection']} = %s"
                           f" OR {_maintained_exists_sql(alias)})")
                params += [False, user.pk]
    if user is None:
        return f"({public} AND {col['restricted']} = %s)", [*params, False]
    return f"(({public}) OR {_creator_exists_sql(alias)})", [*params, user.pk, True]


def visible_work(viewer, work_id: int, *, flags: dict[str, str] | None = None,
                 related: tuple[str, ...] = ()) -> Work | None:
    """The work ``work_id`` if ``viewer`` may see it (``works_visible_to``), read
    in one plain SQL statement, else None. It carries ``viewer_is_creator``
    (``annotate_is_creator``), one boolean attribute per ``flags`` entry (name:
    SQL of an EXISTS on the work row ``w``, no parameters), and the rows of
    ``related`` (forward foreign keys or reverse one-to-ones of the work), as
    ``select_related`` would."""
    from django.db import connection

    user = signed_in_user(viewer)
    columns, width, build = row_reader(Work, "w")
    selects, joins, readers = [columns], [], []
    for index, name in enumerate(related):
        field = Work._meta.get_field(name)
        other = field.related_model
        alias = f"r{index}"
        other_columns, other_width, other_build = row_reader(other, alias)
        if field.concrete:  # w.skin_id -> skin.id
            on = (f"{alias}.{_column(other, field.target_field.name)}"
                  f" = w.{connection.ops.quote_name(field.column)}")
        else:  # reverse one-to-one: import_record.work_id -> w.id
            on = (f"{alias}.{connection.ops.quote_name(field.field.column)}"
                  f" = w.{_column(Work, 'id')}")
        joins.append(f" LEFT JOIN {_table(other)} {alias} ON {on}")
        selects.append(other_columns)
        readers.append((field, other, other_width, other_build))
    params: list = []
    if user is None:
        selects.append("%s")
        params.append(False)
    else:
        selects.append(_creator_exists_sql("w"))
        params += [user.pk, True]
    flags = flags or {}
    selects += list(flags.values())
    where, where_params = visible_work_where(viewer, "w")
    sql = (f"SELECT {', '.join(selects)} FROM {_table(Work)} w{''.join(joins)}"  # noqa: S608
           f" WHERE w.{_column(Work, 'id')} = %s AND {where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, work_id, *where_params])
        row = cursor.fetchone()
    if row is None:
        return None
    work = build(row[:width], connection.alias)
    at = width
    for field, other, other_width, other_build in readers:
        values = row[at:at + other_width]
        at += other_width
        pk_index = [f.attname for f in other._meta.concrete_fields].index(other._meta.pk.attname)
        found = other_build(values, connection.alias) if values[pk_index] is not None else None
        if field.concrete:
            field.set_cached_value(work, found)
        else:
            field.set_cached_value(work, found)
            if found is not None:
                field.remote_field.set_cached_value(found, work)
    work.viewer_is_creator = bool(row[at])
    for offset, name in enumerate(flags, start=at + 1):
        setattr(work, name, bool(row[offset]))
    return work


def visible_chapters(viewer, work: Work, *, creator: bool) -> list[Chapter]:
    """``chapters_visible_to(viewer, work, creator=creator)`` as one plain SQL
    statement: every chapter for a creator, else those posted or due by
    their schedule; in order."""
    from django.db import connection

    columns, _width, build = row_reader(Chapter, "ch")
    sql = (f"SELECT {columns} FROM {_table(Chapter)} ch"  # noqa: S608
           f" WHERE ch.{_column(Chapter, 'work')} = %s")
    params: list = [work.pk]
    if not creator:
        scheduled = f"ch.{_column(Chapter, 'scheduled_for')}"
        sql += (f" AND (ch.{_column(Chapter, 'posted')} = %s"
                f" OR ({scheduled} IS NOT NULL AND {scheduled} <= %s))")
        params += [True, connection.ops.adapt_datetimefield_value(timezone.now())]
    sql += f" ORDER BY ch.{_column(Chapter, 'position')}, ch.{_column(Chapter, 'id')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    chapters = [build(row, connection.alias) for row in rows]
    for chapter in chapters:
        Chapter.work.field.set_cached_value(chapter, work)
    return chapters
