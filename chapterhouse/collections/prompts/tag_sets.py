"""Owned tag sets (AO3's /tag_sets): writes and reads.

A tag set holds fandoms, characters, relationships and additional tags. Its
owners add and remove tags and review the tags others nominate; a prompt meme
(or an exchange) may take its tags only from one (``tag_set_allows``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chapterhouse.moderation.guards import may_write
from chapterhouse.tags.models import USER_TAG_TYPES, Tag
from chapterhouse.works.selectors.visibility import signed_in_user
from chapterhouse.works.services.tagging import (
    tag_name_problems,
    tag_names_split,
    tags_find_or_create,
)
from chapterhouse.works.text import sanitize_html

from .models import (
    TAG_SET_TITLE_MAX_LENGTH,
    NominationStatus,
    OwnedTagSet,
    TagNomination,
    TagSetTag,
)

#: At most this many tags are added to a set in one request.
TAGS_PER_CHANGE_MAX = 500


def tag_set_allows(tag_set: OwnedTagSet | None, tag: Tag) -> bool:
    """Whether a challenge restricted to ``tag_set`` takes ``tag``: no tag set
    takes everything; else the tag, its canonical, or a synonym of a tag in
    the set."""
    if tag_set is None:
        return True
    ids = {tag.pk}
    if tag.merger_id:
        ids.add(tag.merger_id)
    in_set = TagSetTag.objects.filter(tag_set=tag_set)
    return (
        in_set.filter(tag_id__in=ids).exists()
        or in_set.filter(tag__merger_id__in=ids).exists()
    )


def is_tag_set_owner(user, tag_set: OwnedTagSet) -> bool:
    user = signed_in_user(user)
    return user is not None and tag_set.owners.filter(pk=user.pk).exists()


def _owner_required(user, tag_set: OwnedTagSet) -> None:
    if not is_tag_set_owner(user, tag_set):
        raise PermissionDenied("Only the tag set's owners may do that.")


def _tag_type(tag_type: str) -> str:
    if tag_type not in USER_TAG_TYPES:
        raise ValidationError(
            {"tag_type": ["Choose fandom, character, relationship or additional tag."]}
        )
    return tag_type


@transaction.atomic
def tag_set_create(
    *, user, title: str, description: str = "", nominations_open: bool = False
) -> OwnedTagSet:
    """A new tag set owned by ``user``."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in to create a tag set.")
    may_write(user=user, action="post")
    title = " ".join((title or "").split())
    if not title or len(title) > TAG_SET_TITLE_MAX_LENGTH:
        raise ValidationError(
            {"title": ["Please give the tag set a title (255 characters at most)."]}
        )
    if OwnedTagSet.objects.filter(title__iexact=title).exists():
        raise ValidationError({"title": ["A tag set with that title already exists."]})
    tag_set = OwnedTagSet.objects.create(
        title=title, description=sanitize_html(description or ""),
        nominations_open=bool(nominations_open),
    )
    tag_set.owners.add(user)
    return tag_set


@transaction.atomic
def tag_set_owner_add(*, user, tag_set: OwnedTagSet, new_owner) -> None:
    _owner_required(user, tag_set)
    tag_set.owners.add(new_owner)


@transaction.atomic
def tag_set_edit(*, user, tag_set: OwnedTagSet, **changes) -> OwnedTagSet:
    """Owners change the description and whether nominations are open."""
    _owner_required(user, tag_set)
    if "description" in changes:
        tag_set.description = sanitize_html(changes["description"] or "")
    if "nominations_open" in changes:
        tag_set.nominations_open = bool(changes["nominations_open"])
    tag_set.save()
    return tag_set


def _names(text: str) -> list[str]:
    names = tag_names_split(text)
    if len(names) > TAGS_PER_CHANGE_MAX:
        raise ValidationError(f"At most {TAGS_PER_CHANGE_MAX} tags at once.")
    problems = [p for name in names for p in tag_name_problems(name)]
    if problems:
        raise ValidationError(problems)
    return names


@transaction.atomic
def tag_set_tags_add(*, user, tag_set: OwnedTagSet, tag_type: str, names: str) -> list[Tag]:
    """Owners add tags (comma-separated names; new names become tags of
    ``tag_type``)."""
    _owner_required(user, tag_set)
    tags = tags_find_or_create(names=_names(names), tag_type=_tag_type(tag_type))
    TagSetTag.objects.bulk_create(
        [TagSetTag(tag_set=tag_set, tag=tag) for tag in tags], ignore_conflicts=True
    )
    return tags


@transaction.atomic
def tag_set_tag_remove(*, user, tag_set: OwnedTagSet, tag: Tag) -> None:
    _owner_required(user, tag_set)
    TagSetTag.objects.filter(tag_set=tag_set, tag=tag).delete()


@transaction.atomic
def tag_nominate(*, user, tag_set: OwnedTagSet, tag_type: str, name: str) -> TagNomination:
    """A signed-in user nominates a tag for the set while nominations are open,
    up to the set's number of each type."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in to nominate tags.")
    may_write(user=user, action="post")
    if not tag_set.nominations_open:
        raise ValidationError("Nominations are closed for this tag set.")
    tag_type = _tag_type(tag_type)
    names = _names(name)
    if len(names) != 1:
        raise ValidationError({"name": ["Nominate one tag at a time."]})
    mine = TagNomination.objects.filter(tag_set=tag_set, nominator=user, tag_type=tag_type)
    if mine.filter(name__iexact=names[0]).exists():
        raise ValidationError("You have already nominated that tag.")
    if mine.count() >= tag_set.nominations_per_type:
        raise ValidationError(
            f"You may nominate {tag_set.nominations_per_type} tags of each type."
        )
    return TagNomination.objects.create(
        tag_set=tag_set, nominator=user, tag_type=tag_type, name=names[0]
    )


@transaction.atomic
def tag_nomination_review(*, user, nomination: TagNomination, approve: bool) -> TagNomination:
    """Owners approve a nomination (its tag joins the set) or reject it."""
    nomination = TagNomination.objects.select_for_update().select_related("tag_set").get(
        pk=nomination.pk
    )
    _owner_required(user, nomination.tag_set)
    if approve:
        (tag,) = tags_find_or_create(names=[nomination.name], tag_type=nomination.tag_type)
        TagSetTag.objects.get_or_create(tag_set=nomination.tag_set, tag=tag)
    # Every nomination of the same name in the set is decided at once.
    TagNomination.objects.filter(
        tag_set=nomination.tag_set, tag_type=nomination.tag_type, name__iexact=nomination.name
    ).update(status=NominationStatus.APPROVED if approve else NominationStatus.REJECTED)
    nomination.refresh_from_db()
    return nomination


# Reads ------------------------------------------------------------------------------------


def tag_set_tags(tag_set: OwnedTagSet) -> dict[str, list[Tag]]:
    """The set's tags by type, by name."""
    out: dict[str, list[Tag]] = {t: [] for t in USER_TAG_TYPES}
    for tag in Tag.objects.filter(pk__in=tag_set.set_tags.values("tag_id")).order_by("name"):
        out.setdefault(tag.type, []).append(tag)
    return out


def tag_set_nominations(*, viewer, tag_set: OwnedTagSet, status: str = NominationStatus.PENDING):
    """Nominations waiting (owners only; ``None`` for others)."""
    if not is_tag_set_owner(viewer, tag_set):
        return None
    return list(
        tag_set.nominations.filter(status=status)
        .select_related("nominator")
        .order_by("tag_type", "name", "pk")
    )
