"""Writes for readers' discovery settings: mutes, saved filters and
subscriptions to tags and saved filters.

Each function acts for ``user`` (the reader signed in), checks that she may,
and raises ``ValidationError`` with a message fit to show for bad input. Mutes
and follows are idempotent: doing one twice changes nothing.

Nothing here records an outbox event: the search engine reads a reader's
mutes on every request (``mutes.mutes_of``), and saved filters and
subscriptions change no listing.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from chapterhouse.tags.models import Tag, TagType

from .models import FilterSubscription, SavedFilter, TagMute, UserMute
from .mutes import mutes_forget

SAVED_FILTER_NAME_MAX_LENGTH = 100
SAVED_FILTERS_MAX = 50
SAVED_FILTER_QUERY_MAX_LENGTH = 4000
USER_MUTES_MAX = 1000
TAG_MUTES_MAX = 500
FILTER_SUBSCRIPTIONS_MAX = 500

#: Parameters of a listing's address that are not part of its filter.
_NOT_FILTER_PARAMS = frozenset(
    {"page", "commit", "utf8", "authenticity_token", "csrfmiddlewaretoken"}
)


def _require_reader(user) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied("Please log in first.")


# Mutes ---------------------------------------------------------------------------


def _mute_once(model, *, user, target: dict, limit: int, full: dict):
    """The mute of ``target`` by ``user``, made unless it exists; refused with
    ``full`` when she already has ``limit`` mutes of this kind."""
    with transaction.atomic():
        existing = model.objects.filter(user=user, **target).first()
        if existing is not None:
            return existing
        if model.objects.filter(user=user).count() >= limit:
            raise ValidationError(full)
        mute, _ = model.objects.get_or_create(user=user, **target)
    mutes_forget(user)
    return mute


def user_mute(*, user, muted) -> UserMute:
    """``user`` no longer sees works by ``muted`` in her listings and searches."""
    _require_reader(user)
    if muted is None or not muted.is_active:
        raise ValidationError({"username": "There is no user by that name."})
    if muted.pk == user.pk:
        raise ValidationError({"username": "You can't mute yourself."})
    return _mute_once(
        UserMute, user=user, target={"muted": muted}, limit=USER_MUTES_MAX,
        full={"username": f"You have muted {USER_MUTES_MAX:,} users, the most you can. "
                          "Unmute someone first."},
    )


def user_unmute(*, user, muted) -> bool:
    """Undo ``user_mute``; False when ``muted`` was not muted."""
    _require_reader(user)
    deleted, _ = UserMute.objects.filter(user=user, muted=muted).delete()
    mutes_forget(user)
    return bool(deleted)


def _filter_tag(tag: Tag | None, *, field: str, doing: str) -> Tag:
    """The tag works are filtered under for ``tag``: itself, or its canonical
    when it is a synonym. Refuses tags no work is ever filtered under."""
    fresh = None
    if tag is not None and tag.pk is not None:
        fresh = Tag.objects.select_related("merger").filter(pk=tag.pk).first()
    if fresh is None:
        raise ValidationError({field: "There is no tag by that name."})
    if fresh.merger_id:
        return fresh.merger
    if fresh.type == TagType.MEDIA:
        raise ValidationError(
            {field: f"{fresh.name} is a medium, and works aren't tagged with media. "
                    f"You can {doing} one of its fandoms instead."}
        )
    if fresh.unwrangleable and not fresh.canonical:
        raise ValidationError(
            {field: f"{fresh.name} isn't used for filtering, so there is nothing to {doing}."}
        )
    return fresh


def tag_mute(*, user, tag: Tag) -> TagMute:
    """``user`` always excludes works listed under ``tag`` (a synonym mutes its
    canonical; a metatag also mutes its subtags, as filters do)."""
    _require_reader(user)
    target = _filter_tag(tag, field="tag", doing="mute")
    return _mute_once(
        TagMute, user=user, target={"tag": target}, limit=TAG_MUTES_MAX,
        full={"tag": f"You have muted {TAG_MUTES_MAX:,} tags, the most you can. "
                     "Unmute one first."},
    )


def tag_unmute(*, user, tag: Tag) -> bool:
    """Undo ``tag_mute`` (given the tag or one of its synonyms); False when it
    was not muted."""
    _require_reader(user)
    ids = {tag.pk}
    if tag.merger_id:
        ids.add(tag.merger_id)
    deleted, _ = TagMute.objects.filter(user=user, tag_id__in=ids).delete()
    mutes_forget(user)
    return bool(deleted)


# Saved filters ---------------------------------------------------------------------


def saved_filter_query_clean(query: str) -> str:
    """A listing's query string as it is saved: no leading ``?`` (or address
    before it), no page number or form buttons, no empty fields."""
    text = (query or "").strip()
    if "?" in text:
        text = text.split("?", 1)[1]
    pairs = parse_qsl(text, keep_blank_values=False)
    return urlencode([(k, v) for k, v in pairs if k not in _NOT_FILTER_PARAMS and v.strip()])


def saved_filter_create(*, user, name: str, query: str) -> SavedFilter:
    """Save a listing's filter (its query string) under ``name``. A name the
    reader already uses is refused, never overwritten."""
    _require_reader(user)
    name = " ".join((name or "").split())
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Please give the filter a name."
    elif len(name) > SAVED_FILTER_NAME_MAX_LENGTH:
        errors["name"] = (
            f"The name is {len(name)} characters long; "
            f"use {SAVED_FILTER_NAME_MAX_LENGTH} or fewer."
        )
    clean = saved_filter_query_clean(query)
    if not clean:
        errors["query"] = "There is no filter to save yet: choose some filters first."
    elif len(clean) > SAVED_FILTER_QUERY_MAX_LENGTH:
        errors["query"] = "This filter is too long to save; remove some of its tags."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        mine = SavedFilter.objects.filter(user=user)
        if mine.filter(name__iexact=name).exists():
            raise ValidationError(
                {"name": f"You already have a saved filter named \u201c{name}\u201d; it was "
                         "left as it was. Choose another name, or delete that filter first."}
            )
        if mine.count() >= SAVED_FILTERS_MAX:
            raise ValidationError(
                {"name": f"You have {SAVED_FILTERS_MAX} saved filters, the most you can "
                         "keep. Delete one first."}
            )
        try:
            with transaction.atomic():
                return SavedFilter.objects.create(user=user, name=name, query=clean)
        except IntegrityError as error:  # the same name saved at the same moment
            raise ValidationError(
                {"name": f"You already have a saved filter named \u201c{name}\u201d."}
            ) from error


def _require_owner(user, saved_filter: SavedFilter) -> None:
    if saved_filter.user_id != user.pk:
        raise PermissionDenied("That saved filter isn't yours.")


def saved_filter_delete(*, user, saved_filter: SavedFilter) -> None:
    """Delete one of ``user``'s saved filters, and her subscription to it."""
    _require_reader(user)
    _require_owner(user, saved_filter)
    saved_filter.delete()


# Subscriptions -----------------------------------------------------------------------


def _one_target(tag, saved_filter) -> None:
    if (tag is None) == (saved_filter is None):
        raise ValidationError("Choose a tag or one of your saved filters to follow.")


def filter_subscribe(
    *, user, tag: Tag | None = None, saved_filter: SavedFilter | None = None
) -> FilterSubscription:
    """``user`` is told of new works listed under ``tag`` (a synonym follows its
    canonical) or matching one of her saved filters."""
    _require_reader(user)
    _one_target(tag, saved_filter)
    if saved_filter is not None:
        _require_owner(user, saved_filter)
        if not SavedFilter.objects.filter(pk=saved_filter.pk).exists():
            raise ValidationError("That saved filter has been deleted.")
        target = {"saved_filter": saved_filter}
    else:
        target = {"tag": _filter_tag(tag, field="tag", doing="follow")}
    with transaction.atomic():
        existing = FilterSubscription.objects.filter(user=user, **target).first()
        if existing is not None:
            return existing
        if FilterSubscription.objects.filter(user=user).count() >= FILTER_SUBSCRIPTIONS_MAX:
            raise ValidationError(
                f"You follow {FILTER_SUBSCRIPTIONS_MAX} tags and filters, the most you can. "
                "Unfollow one first."
            )
        subscription, _ = FilterSubscription.objects.get_or_create(user=user, **target)
    return subscription


def filter_unsubscribe(
    *, user, tag: Tag | None = None, saved_filter: SavedFilter | None = None
) -> bool:
    """Stop following a tag (or its canonical) or a saved filter; False when
    ``user`` was not following it."""
    _require_reader(user)
    _one_target(tag, saved_filter)
    if saved_filter is not None:
        _require_owner(user, saved_filter)
        found = FilterSubscription.objects.filter(user=user, saved_filter=saved_filter)
    else:
        ids = {tag.pk}
        if tag.merger_id:
            ids.add(tag.merger_id)
        found = FilterSubscription.objects.filter(user=user, tag_id__in=ids)
    deleted, _ = found.delete()
    return bool(deleted)
