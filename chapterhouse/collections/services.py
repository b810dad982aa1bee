"""Writes to collections: each checks who may make it (docs/collections.md).

- Owners create and edit a collection and add maintainers; owners and
  moderators review its items and reveal it.
- A work's creators add it to collections; a maintainer who is not its creator
  invites it, and one of its creators accepts or refuses.
- What readers see of a work (``Work.anonymous``, ``Work.in_unrevealed_collection``)
  follows its items; ``work_collection_flags_sync`` keeps it, saving the work so
  the search index, cached blurbs and the HTTP cache hear of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chapterhouse.accounts.models import User
from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.moderation.guards import may_write
from chapterhouse.responses.services.mail import gifts_mail_record
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import is_creator, signed_in_user
from chapterhouse.works.text import sanitize_html

from .models import (
    SUMMARY_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Approval,
    Collection,
    CollectionItem,
    Maintainer,
    Role,
)

#: Fields ``collection_create`` and ``collection_edit`` take.
HTML_FIELDS = ("summary", "description", "intro", "faq", "rules")
PLAIN_FIELDS = ("title", "email")
FLAG_FIELDS = ("is_open", "moderated", "unrevealed", "anonymous")
#: A collection that still hides something: revealing it changes its works.
_HIDING = Q(unrevealed=True) | Q(anonymous=True)


# Who may ------------------------------------------------------------------------------


def is_maintainer(user, collection: Collection) -> bool:
    user = signed_in_user(user)
    return user is not None and collection.maintainers.filter(user=user).exists()


def is_owner(user, collection: Collection) -> bool:
    user = signed_in_user(user)
    return user is not None and collection.maintainers.filter(user=user, role=Role.OWNER).exists()


def _owner_required(user, collection: Collection) -> None:
    if not is_owner(user, collection):
        raise PermissionDenied("Only the collection's owners may do that.")


def _maintainer_required(user, collection: Collection) -> None:
    if not is_maintainer(user, collection):
        raise PermissionDenied("Only the collection's maintainers may do that.")


# Collections ----------------------------------------------------------------------------


def _cleaned(changes: dict) -> dict:
    out = {}
    for name in HTML_FIELDS:
        if name in changes:
            limit = SUMMARY_MAX_LENGTH if name == "summary" else TEXT_MAX_LENGTH
            out[name] = sanitize_html(changes[name] or "", max_length=limit)
    for name in PLAIN_FIELDS:
        if name in changes:
            out[name] = (changes[name] or "").strip()
    for name in FLAG_FIELDS:
        if name in changes:
            out[name] = bool(changes[name])
    if "reveal_at" in changes:
        out["reveal_at"] = changes["reveal_at"] or None
    return out


def _parent(user, parent_name: str | None) -> Collection | None:
    if not parent_name:
        return None
    parent = Collection.objects.filter(name=parent_name.strip()).first()
    if parent is None:
        raise ValidationError({"parent": ["We couldn't find a collection with that name."]})
    if parent.parent_id is not None:
        raise ValidationError({"parent": ["A subcollection cannot have subcollections."]})
    if not is_maintainer(user, parent):
        raise ValidationError({"parent": ["You must be a maintainer of the parent collection."]})
    return parent


@transaction.atomic
def collection_create(
    *, user, name: str, title: str, parent_name: str | None = None, **changes
) -> Collection:
    """A new collection owned by ``user``."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in to create a collection.")
    may_write(user=user, action="post")
    collection = Collection(name=(name or "").strip(), **_cleaned({"title": title, **changes}))
    collection.parent = _parent(user, parent_name)
    collection.full_clean()
    collection.save()
    Maintainer.objects.create(collection=collection, user=user, role=Role.OWNER)
    return collection


@transaction.atomic
def collection_edit(
    *, user, collection: Collection, parent_name: str | None = None, **changes
) -> Collection:
    """Owners change the collection's texts, settings and parent. Turning
    unrevealed or anonymous on or off applies to its works at once."""
    _owner_required(user, collection)
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    before = (collection.unrevealed, collection.anonymous)
    parent_before = collection.parent_id
    for key, value in _cleaned(changes).items():
        setattr(collection, key, value)
    if parent_name is not None:
        parent = _parent(user, parent_name)
        if parent is not None and parent.pk == collection.pk:
            raise ValidationError({"parent": ["A collection cannot be its own parent."]})
        collection.parent = parent
    collection.full_clean()
    collection.save()
    if before != (collection.unrevealed, collection.anonymous):
        work_collection_flags_sync(_work_ids_of(collection))
    elif parent_before != collection.parent_id:
        # Its works are listed in its parent's pages and index entry.
        _changed(_work_ids_of(collection))
    return collection


@transaction.atomic
def maintainer_add(
    *, user, collection: Collection, username: str, role: str = Role.MODERATOR
) -> Maintainer:
    """Owners add an owner or a moderator (or change someone's role)."""
    _owner_required(user, collection)
    if role not in Role.values:
        raise ValidationError({"role": ["Choose owner or moderator."]})
    person = user_by_name((username or "").strip())
    if person is None:
        raise ValidationError({"username": [f"We couldn't find the user {username}."]})
    maintainer, _ = Maintainer.objects.update_or_create(
        collection=collection, user=person, defaults={"role": role}
    )
    # Maintainers see the collection's unrevealed works: their pages change.
    _changed(_work_ids_of(collection))
    return maintainer


# Items ----------------------------------------------------------------------------------


@dataclass
class AddResult:
    """What ``collection_items_add`` did, for the flash messages."""

    added: list[Collection] = field(default_factory=list)
    submitted: list[Collection] = field(default_factory=list)
    invited: list[Collection] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Gift-exchange assignments the work fulfilled.
    fulfilled: list = field(default_factory=list)

    @property
    def notice(self) -> str:
        parts = []
        if self.added:
            parts.append("Added to collection(s): " + ", ".join(c.title for c in self.added) + ".")
        if self.submitted:
            parts.append(
                "Your work will only show up in the moderated collection(s) you "
                "have submitted it to once it is approved by a moderator: "
                + ", ".join(c.title for c in self.submitted)
                + "."
            )
        if self.invited:
            parts.append(
                "This work has been invited to your collection(s) ("
                + ", ".join(c.title for c in self.invited)
                + "). The creator will be asked to accept."
            )
        if self.fulfilled:
            parts.append(
                "It fulfils your assignment: a gift for "
                + ", ".join(a.recipient.username for a in self.fulfilled)
                + "."
            )
        return " ".join(parts)


def collection_names_split(names: str | list | None) -> list[str]:
    if isinstance(names, list | tuple):
        names = ",".join(str(n) for n in names)
    seen: list[str] = []
    for name in (names or "").split(","):
        name = name.strip()
        if name and name not in seen:
            seen.append(name)
    return seen


@transaction.atomic
def collection_items_add(*, user, work: Work, names) -> AddResult:
    """Add ``work`` to the collections named (comma-separated). Its creator
    adds it (approved by her; by the collection too unless it is moderated);
    a maintainer who is not its creator invites it. Each collection that
    cannot take it gives a reason in ``errors``, in AO3's words."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in.")
    may_write(user=user, action="post")
    creator = is_creator(user, work)
    result = AddResult()
    for name in collection_names_split(names):
        collection = Collection.objects.filter(name=name).first()
        if collection is None:
            result.errors.append(f"{name}, because we couldn't find a collection with that name.")
            continue
        maintainer = is_maintainer(user, collection)
        if not creator and not maintainer:
            result.errors.append(
                f"{collection.title}, because you don't own this item and "
                "you're not a moderator of the collection."
            )
            continue
        if CollectionItem.objects.filter(collection=collection, work=work).exists():
            result.errors.append(
                f"{collection.title}, because this item has already been submitted."
            )
            continue
        if not collection.is_open and not maintainer:
            result.errors.append(f"{collection.title} is closed to new submissions.")
            continue
        if creator:
            approved_by_collection = maintainer or not collection.moderated
            CollectionItem.objects.create(
                collection=collection,
                work=work,
                added_by=user,
                user_approval=Approval.APPROVED,
                collection_approval=Approval.APPROVED
                if approved_by_collection
                else Approval.PENDING,
            )
            (result.added if approved_by_collection else result.submitted).append(collection)
            if hasattr(collection, "gift_exchange"):
                from .exchange_services import assignment_fulfil

                fulfilled = assignment_fulfil(user=user, work=work, collection=collection)
                result.fulfilled += [fulfilled] if fulfilled else []
        else:
            item = CollectionItem.objects.create(
                collection=collection,
                work=work,
                added_by=user,
                user_approval=Approval.PENDING,
                collection_approval=Approval.APPROVED,
            )
            invitation_deliver(item)
            result.invited.append(collection)
    if result.added or result.submitted or result.invited:
        work_collection_flags_sync([work.pk])
    if result.fulfilled:
        # The assignment's recipient is a gift of the work now: told once it
        # is posted and revealed.
        gifts_mail_record(work=Work.objects.get(pk=work.pk))
    return result


def invitation_deliver(item: CollectionItem) -> None:
    """Tell each creator of the work, by inbox and mail, that a maintainer
    invited it (inside the caller's transaction; once per item and creator)."""
    from chapterhouse.responses.models import InboxKind, NotificationKind
    from chapterhouse.responses.services.notify import inbox_deliver, mail_record

    collection, work = item.collection, item.work
    creators = User.objects.filter(
        pseuds__creatorships__work=work, pseuds__creatorships__accepted=True
    ).distinct()
    for creator in creators:
        key = f"invitation:{item.pk}:to:{creator.pk}"
        inbox_deliver(
            user=creator, kind=InboxKind.INVITATION, key=key, work=work,
            text=f"Your work {work.title} was invited to the collection {collection.title}. "
                 f"Accept or refuse it at /users/{creator.username}/collection_items",
        )
        mail_record(
            user=creator, kind=NotificationKind.INVITATION, key=key,
            payload={"item_id": item.pk},
        )


def collection_items_add_new(*, user, work: Work, names) -> AddResult:
    """``collection_items_add`` for the names the work has no item for yet (the
    work form lists the collections it is already in)."""
    known = set(CollectionItem.objects.filter(work=work).values_list("collection__name", flat=True))
    wanted = [name for name in collection_names_split(names) if name not in known]
    return collection_items_add(user=user, work=work, names=wanted) if wanted else AddResult()


def _item_locked(item: CollectionItem) -> CollectionItem:
    return (
        CollectionItem.objects.select_for_update()
        .select_related("collection", "work")
        .get(pk=item.pk)
    )


def _approval(value: str) -> str:
    if value not in (Approval.APPROVED, Approval.REJECTED, Approval.PENDING):
        raise ValidationError({"status": ["Choose approved, rejected or unreviewed."]})
    return value


@transaction.atomic
def collection_item_review(*, user, item: CollectionItem, approval: str) -> CollectionItem:
    """A maintainer approves or rejects a work for the collection."""
    item = _item_locked(item)
    _maintainer_required(user, item.collection)
    item.collection_approval = _approval(approval)
    item.save(update_fields=["collection_approval"])
    work_collection_flags_sync([item.work_id])
    return item


@transaction.atomic
def collection_item_respond(*, user, item: CollectionItem, approval: str) -> CollectionItem:
    """One of the work's creators accepts (or refuses) having it in the collection."""
    item = _item_locked(item)
    if not is_creator(user, item.work):
        raise PermissionDenied("Only the work's creators may do that.")
    item.user_approval = _approval(approval)
    item.save(update_fields=["user_approval"])
    work_collection_flags_sync([item.work_id])
    return item


@transaction.atomic
def collection_item_remove(*, user, item: CollectionItem) -> None:
    """The work's creators or the collection's maintainers take it out."""
    item = _item_locked(item)
    if not (is_creator(user, item.work) or is_maintainer(user, item.collection)):
        raise PermissionDenied(
            "Only the work's creators or the collection's maintainers may do that."
        )
    work_id = item.work_id
    item.delete()
    work_collection_flags_sync([work_id])


# Reveal -----------------------------------------------------------------------------------


def _reveal(collection: Collection, now: datetime.datetime) -> bool:
    changed = (
        Collection.objects.filter(pk=collection.pk)
        .filter(_HIDING)
        .update(unrevealed=False, anonymous=False, revealed_at=now)
    )
    if changed:
        work_collection_flags_sync(_work_ids_of(collection))
    return bool(changed)


@transaction.atomic
def collection_reveal(*, user, collection: Collection) -> Collection:
    """Maintainers reveal the collection's works and creators now."""
    _maintainer_required(user, collection)
    _reveal(collection, timezone.now())
    collection.refresh_from_db()
    return collection


def collections_reveal_due(*, now: datetime.datetime | None = None) -> int:
    """The background task: reveal every collection whose reveal date has come.
    Each collection in its own transaction; the conditional UPDATE makes a
    second worker's run change nothing. Returns how many were revealed."""
    now = now or timezone.now()
    due = list(
        Collection.objects.filter(_HIDING, reveal_at__isnull=False, reveal_at__lte=now).order_by(
            "reveal_at", "pk"
        )[:200]
    )
    revealed = 0
    for collection in due:
        with transaction.atomic():
            revealed += _reveal(collection, now)
    return revealed


# Flags on works ---------------------------------------------------------------------------


def _work_ids_of(collection: Collection) -> list[int]:
    return list(
        CollectionItem.objects.filter(collection=collection).values_list("work_id", flat=True)
    )


def _changed(work_ids) -> None:
    from chapterhouse.discovery.receivers import work_changed

    work_changed(work_ids)


def work_collection_flags_sync(work_ids) -> None:
    """Recompute what each work's collections make readers see: unrevealed
    when an item the creator agreed to (and the maintainers did not refuse) is
    in an unrevealed collection; anonymous likewise. A work whose flags change
    is saved (the outbox and versions follow); the others are marked changed,
    as the collections on their pages may have."""
    ids = sorted({int(pk) for pk in work_ids})
    if not ids:
        return
    consented = CollectionItem.objects.consented().filter(work_id__in=ids)
    unrevealed = set(
        consented.filter(collection__unrevealed=True).values_list("work_id", flat=True)
    )
    anonymous = set(consented.filter(collection__anonymous=True).values_list("work_id", flat=True))
    untouched = []
    for work in Work.objects.filter(pk__in=ids).select_for_update().order_by("pk"):
        by_creator = work.anonymous_by_creator or (
            work.anonymous and not work.in_anonymous_collection
        )
        wanted = {
            "in_unrevealed_collection": work.pk in unrevealed,
            "in_anonymous_collection": work.pk in anonymous,
            "anonymous_by_creator": by_creator,
            "anonymous": by_creator or work.pk in anonymous,
        }
        changed = [name for name, value in wanted.items() if getattr(work, name) != value]
        if changed:
            revealed = work.in_unrevealed_collection and not wanted["in_unrevealed_collection"]
            for name in changed:
                setattr(work, name, wanted[name])
            work.save(update_fields=changed)
            if revealed:
                # Gift recipients are told when the work is revealed (once).
                gifts_mail_record(work=work)
        else:
            untouched.append(work.pk)
    _changed(untouched)
