"""Reads for the collections' pages, already filtered by who may see what.

Works are read through the one door (works/selectors/visibility.py). A work in
an unrevealed collection is kept (``mysteries=True``) only on the collection's
own pages and the work page, and comes out as a ``Mystery`` to a viewer who
may not unmask it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from chapterhouse.works.models import Work
from chapterhouse.works.selectors import listing
from chapterhouse.works.selectors.visibility import (
    can_unmask_unrevealed,
    is_creator,
    signed_in_user,
    unmasked_unrevealed_q,
    works_visible_to,
)

from .models import Approval, Collection, CollectionItem, Maintainer, Role
from .services import is_maintainer, is_owner

PER_PAGE = listing.PER_PAGE


def collection_by_name(name: str) -> Collection | None:
    return (
        Collection.objects.filter(name=name).select_related("parent", "gift_exchange").first()
    )


def _with_maintainers(collections: QuerySet[Collection]) -> QuerySet[Collection]:
    return collections.select_related("gift_exchange").prefetch_related(
        Prefetch(
            "maintainers", queryset=Maintainer.objects.select_related("user").order_by("role", "pk")
        )
    )


def family_ids(collection: Collection) -> list[int]:
    """The collection and its subcollections: its pages list the works of all."""
    return [collection.pk, *collection.children.order_by("pk").values_list("pk", flat=True)]


def _listed_works(viewer, collection_ids) -> QuerySet[Work]:
    """Posted works approved in these collections that the viewer may see,
    mysteries included (they are listed, as Mystery Work)."""
    return works_visible_to(viewer, mysteries=True).filter(
        posted=True,
        pk__in=CollectionItem.objects.approved()
        .filter(collection_id__in=collection_ids)
        .values("work_id"),
    )


def work_counts(viewer, collections) -> dict[int, int]:
    """Per collection, the works its page lists for ``viewer`` (its
    subcollections' included; two queries)."""
    ids = [c.pk for c in collections]
    if not ids:
        return {}
    top_of = {pk: pk for pk in ids}
    for child, parent in Collection.objects.filter(parent_id__in=ids).values_list(
        "pk", "parent_id"
    ):
        top_of.setdefault(child, parent)
    seen = works_visible_to(viewer, mysteries=True).filter(posted=True).values("pk")
    rows = (
        CollectionItem.objects.approved()
        .filter(collection_id__in=list(top_of), work_id__in=seen)
        .values_list("collection_id", "work_id")
        .distinct()
    )
    works: dict[int, set[int]] = {}
    for collection_id, work_id in rows:
        works.setdefault(top_of[collection_id], set()).add(work_id)
    return {pk: len(found) for pk, found in works.items()}


@dataclass
class CollectionEntry:
    collection: Collection
    work_count: int

    @property
    def owners(self):
        return [m.user for m in self.collection.maintainers.all() if m.role == Role.OWNER]

    @property
    def moderators(self):
        return [m.user for m in self.collection.maintainers.all() if m.role == Role.MODERATOR]


def _entries(viewer, collections: QuerySet[Collection], page) -> listing.Page:
    def prepare(rows):
        counts = work_counts(viewer, rows)
        return [CollectionEntry(c, counts.get(c.pk, 0)) for c in rows]

    return listing.paginate(_with_maintainers(collections), page, prepare=prepare)


def collections_index(*, viewer, page=1) -> listing.Page:
    """Top-level collections, newest first."""
    return _entries(
        viewer, Collection.objects.filter(parent__isnull=True).order_by("-created_at", "-pk"), page
    )


def subcollections(*, viewer, collection: Collection, page=1) -> listing.Page:
    return _entries(viewer, collection.children.order_by("title", "pk"), page)


def user_collections(*, viewer, user, page=1) -> listing.Page:
    """The collections ``user`` maintains."""
    return _entries(
        viewer,
        Collection.objects.filter(maintainers__user=user).distinct().order_by("title", "pk"),
        page,
    )


def work_collections(*, viewer, work: Work) -> list[Collection]:
    """The collections ``work`` is approved in (for ``dd.collections``)."""
    return list(
        Collection.objects.filter(
            items__work=work,
            items__user_approval=Approval.APPROVED,
            items__collection_approval=Approval.APPROVED,
        ).order_by("title", "pk")
    )


def collection_names_of(work: Work) -> list[str]:
    """Names of the collections ``work`` has an item in (not refused by either side)."""
    return list(
        CollectionItem.objects.filter(work=work)
        .exclude(user_approval=Approval.REJECTED)
        .exclude(collection_approval=Approval.REJECTED)
        .order_by("pk")
        .values_list("collection__name", flat=True)
    )


@dataclass
class Mystery:
    """A work the viewer may not unmask yet, shown as AO3's mystery blurb."""

    work_id: int
    collection: Collection


def _unrevealed_collection_of(work_id: int) -> Collection | None:
    return (
        Collection.objects.filter(unrevealed=True, items__work_id=work_id)
        .filter(items__user_approval=Approval.APPROVED)
        .exclude(items__collection_approval=Approval.REJECTED)
        .order_by("pk")
        .first()
    )


def _mystery_collections(work_ids) -> dict[int, Collection]:
    """For each work, the (first) unrevealed collection that hides it."""
    found: dict[int, Collection] = {}
    items = (
        CollectionItem.objects.filter(
            work_id__in=list(work_ids),
            collection__unrevealed=True,
            user_approval=Approval.APPROVED,
        )
        .exclude(collection_approval=Approval.REJECTED)
        .select_related("collection")
        .order_by("collection_id")
    )
    for item in items:
        found.setdefault(item.work_id, item.collection)
    return found


def blurbs_or_mysteries(viewer, rows) -> list:
    """Works (read through the door with ``mysteries=True``) as listing blurbs,
    or as ``Mystery`` where the viewer may not unmask them."""
    ids = [w.pk for w in rows]
    unmasked = set(
        Work.objects.filter(unmasked_unrevealed_q(viewer), pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    shown = {
        b.work.pk: b
        for b in listing.blurbs(listing.blurb_queryset(Work.objects.filter(pk__in=unmasked)))
    }
    hiding = _mystery_collections(set(ids) - set(shown))
    return [shown[pk] if pk in shown else Mystery(pk, hiding[pk]) for pk in ids if
            pk in shown or pk in hiding]


def collection_works(*, viewer, collection: Collection, page=1) -> listing.Page:
    """The works approved in ``collection`` or its subcollections, newest
    update first, 20 a page: blurbs, and ``Mystery`` for the unrevealed ones
    she may not unmask."""
    works = _listed_works(viewer, family_ids(collection)).order_by("-revised_at", "-pk")
    return listing.paginate(
        works.only("pk"), page, prepare=lambda rows: blurbs_or_mysteries(viewer, rows)
    )


def has_mysteries(collection: Collection) -> bool:
    """Whether a work approved in ``collection`` or its subcollections is still
    unrevealed (here or in another collection): such works are not in the search index, so the
    collection's works page lists from the database, with mystery blurbs."""
    return (
        CollectionItem.objects.approved()
        .filter(
            collection_id__in=family_ids(collection),
            work__posted=True,
            work__in_unrevealed_collection=True,
        )
        .exists()
    )


def mystery_of(*, viewer, work_id: int) -> Collection | None:
    """The unrevealed collection to name when ``viewer`` opens a work she may
    not see as itself only because it is unrevealed; else ``None``."""
    work = (
        works_visible_to(viewer, mysteries=True)
        .filter(pk=work_id, posted=True, in_unrevealed_collection=True)
        .first()
    )
    if work is None or can_unmask_unrevealed(viewer, work):
        return None
    return _unrevealed_collection_of(work_id)


def unrevealed_notice_of(work: Work) -> Collection | None:
    """For those who see an unrevealed work as itself: the collection to name
    in the notice above it."""
    if not work.in_unrevealed_collection:
        return None
    return _unrevealed_collection_of(work.pk)


# Queues -----------------------------------------------------------------------------------

STATUSES = ("unreviewed", "approved", "rejected")


def _status(value: str | None) -> str:
    return value if value in STATUSES else "unreviewed"


def _as_approval(status: str) -> str:
    return Approval.PENDING if status == "unreviewed" else status


def maintainer_queue(*, viewer, collection: Collection, status=None, page=1):
    """Items of ``collection`` by the maintainers' approval (maintainers only;
    ``None`` for anyone else)."""
    if not is_maintainer(viewer, collection):
        return None
    items = (
        CollectionItem.objects.filter(
            collection=collection, collection_approval=_as_approval(_status(status))
        )
        .select_related("work", "added_by")
        .order_by("-created_at", "-pk")
    )
    return listing.paginate(items, page)


def creator_queue(*, user, status=None, page=1):
    """Items of ``user``'s works by her own approval: invitations wait here."""
    items = (
        CollectionItem.objects.filter(
            work__creatorships__pseud__user=user,
            work__creatorships__accepted=True,
            user_approval=_as_approval(_status(status)),
        )
        .select_related("work", "collection")
        .distinct()
        .order_by("-created_at", "-pk")
    )
    return listing.paginate(items, page)


def item_for_creator(*, user, item_id: int) -> CollectionItem | None:
    item = CollectionItem.objects.filter(pk=item_id).select_related("work", "collection").first()
    if item is None or not is_creator(user, item.work):
        return None
    return item


@dataclass
class CollectionRoles:
    maintainer: bool
    owner: bool


def roles_of(viewer, collection: Collection) -> CollectionRoles:
    if signed_in_user(viewer) is None:
        return CollectionRoles(False, False)
    return CollectionRoles(is_maintainer(viewer, collection), is_owner(viewer, collection))


def maintainers_of(collection: Collection) -> list[Maintainer]:
    return list(collection.maintainers.select_related("user").order_by("role", "pk"))
