"""Wrangling: the writes that tie free-typed tags into a shared vocabulary.

Every function here takes the ``actor`` and refuses (``PermissionDenied``)
anyone who is not a wrangler (the ``tags.wrangle_tag`` permission) or staff;
refuses a change that breaks AO3's rules with a ``ValidationError`` whose
message says why; writes one ``WranglingAction`` (before, after, note) per tag
it changes; records ``tag.changed`` in the outbox; and, when the change alters
which works are listed under which tags, has the effective filter tags
recomputed (inline when few works are affected, by a background job when many;
see ``jobs.py``). See docs/tags-and-wrangling.md.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chapterhouse.discovery.outbox import TAG_CHANGED, outbox_record

from ..models import MetaTagging, Tag, TagParent, TagType, WranglingAction
from ..roles import is_wrangler
from ..selectors import metatag_path
from .jobs import filters_recompute_schedule

_FIXED_TYPES = {TagType.RATING, TagType.WARNING, TagType.CATEGORY}

#: Which types a tag may have as parents: (child type) -> parent types.
PARENT_TYPES = {
    TagType.CHARACTER: {TagType.FANDOM},
    TagType.FREEFORM: {TagType.FANDOM},
    TagType.RELATIONSHIP: {TagType.FANDOM, TagType.CHARACTER},
    TagType.FANDOM: {TagType.MEDIA},
    TagType.UNSORTED: {TagType.FANDOM},
}


# Shared steps ---------------------------------------------------------------------


def _require_wrangler(actor) -> None:
    if not is_wrangler(actor):
        raise PermissionDenied("Only tag wranglers may wrangle tags.")


def _snapshot(tag: Tag) -> dict:
    merger = tag.merger if tag.merger_id else None
    return {
        "name": tag.name,
        "type": tag.type,
        "canonical": tag.canonical,
        "merger_id": tag.merger_id,
        "merger": merger.name if merger else None,
        "unwrangleable": tag.unwrangleable,
    }


def _record(*, actor, tag: Tag, action: str, before: dict, after: dict | None = None,
            note: str = "") -> WranglingAction:
    entry = WranglingAction.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        tag=tag,
        action=action,
        before=before,
        after=_snapshot(tag) if after is None else after,
        note=note[:300],
    )
    outbox_record(topic=TAG_CHANGED, payload={"tag_id": tag.pk, "action": action})
    return entry


def _refuse_fixed(tag: Tag) -> None:
    if tag.type in _FIXED_TYPES:
        raise ValidationError(
            f"'{tag.name}' is one of the archive's fixed {tag.get_type_display().lower()}s "
            "and cannot be wrangled."
        )


def _fresh(tag: Tag) -> Tag:
    """The tag as stored now, row-locked where the database can."""
    return Tag.objects.select_for_update(of=("self",)).select_related("merger").get(pk=tag.pk)


def _loop_message(path_ids: list[int]) -> str:
    names = dict(Tag.objects.filter(pk__in=path_ids).values_list("pk", "name"))
    chain = " → ".join(f"'{names[each]}'" for each in path_ids)
    return f"That would make a loop of metatags: {chain} (each a subtag of the next)."


# Canonical, synonym, unwrangleable ------------------------------------------------------


def tag_make_canonical(*, actor, tag: Tag) -> Tag:
    """Make ``tag`` canonical: it is offered in autocomplete and filters, and may
    have synonyms, parents and metatags."""
    _require_wrangler(actor)
    with transaction.atomic():
        tag = _fresh(tag)
        _refuse_fixed(tag)
        if tag.merger_id:
            raise ValidationError(
                f"'{tag.name}' is a synonym of '{tag.merger.name}'; remove it as a synonym "
                "before making it canonical."
            )
        if tag.canonical:
            raise ValidationError(f"'{tag.name}' is already canonical.")
        before = _snapshot(tag)
        was_unwrangleable = tag.unwrangleable
        tag.canonical = True
        tag.unwrangleable = False
        tag.save(update_fields=["canonical", "unwrangleable", "updated_at"])
        _record(actor=actor, tag=tag, action="make_canonical", before=before)
        if was_unwrangleable:
            filters_recompute_schedule(tags=[tag], reason=f"'{tag.name}' made canonical")
    return tag


def tag_make_synonym(*, actor, tag: Tag, canonical: Tag) -> Tag:
    """Make ``tag`` a synonym of ``canonical``: its works are listed under the
    canonical. A canonical ``tag`` hands its synonyms, metatags, subtags, parents
    and children over to ``canonical`` first (the action's note lists them)."""
    _require_wrangler(actor)
    with transaction.atomic():
        tag, canonical = _fresh(tag), _fresh(canonical)
        _refuse_fixed(tag)
        if tag.pk == canonical.pk:
            raise ValidationError(f"'{tag.name}' cannot be a synonym of itself.")
        if canonical.merger_id:
            raise ValidationError(
                f"'{canonical.name}' is itself a synonym of '{canonical.merger.name}'; a synonym "
                f"of a synonym isn't allowed. Choose '{canonical.merger.name}' instead."
            )
        if not canonical.canonical:
            raise ValidationError(
                f"'{canonical.name}' isn't canonical; only a canonical tag can have synonyms."
            )
        if tag.type != canonical.type and tag.type != TagType.UNSORTED:
            raise ValidationError(
                f"'{tag.name}' is a {tag.get_type_display().lower()} and "
                f"'{canonical.name}' is a {canonical.get_type_display().lower()}; "
                "a synonym must be of the same type as its canonical."
            )
        if tag.merger_id == canonical.pk:
            raise ValidationError(f"'{tag.name}' is already a synonym of '{canonical.name}'.")
        before = _snapshot(tag)
        note = _hand_over(tag=tag, canonical=canonical) if tag.canonical else ""
        tag.type = canonical.type
        tag.canonical = False
        tag.unwrangleable = False
        tag.merger = canonical
        tag.save(update_fields=["type", "canonical", "unwrangleable", "merger", "updated_at"])
        _record(actor=actor, tag=tag, action="make_synonym", before=before, note=note)
        filters_recompute_schedule(
            tags=[canonical], reason=f"'{tag.name}' made a synonym of '{canonical.name}'"
        )
    return tag


def _hand_over(*, tag: Tag, canonical: Tag) -> str:
    """Move what only a canonical may hold from ``tag`` to ``canonical``; a note
    saying what moved."""
    moved: list[str] = []
    synonyms = list(Tag.objects.filter(merger=tag).values_list("name", flat=True))
    if synonyms:
        Tag.objects.filter(merger=tag).update(merger=canonical)
        moved.append(f"synonyms {', '.join(synonyms)}")
    metas = list(MetaTagging.objects.filter(sub=tag).select_related("meta"))
    subs = list(MetaTagging.objects.filter(meta=tag).select_related("sub"))
    for link in metas:
        if link.meta_id != canonical.pk:
            path = metatag_path(start=link.meta, goal=canonical)
            if path is not None:
                raise ValidationError(_loop_message([canonical.pk, *path]))
    for link in subs:
        if link.sub_id != canonical.pk:
            path = metatag_path(start=canonical, goal=link.sub)
            if path is not None:
                raise ValidationError(_loop_message([link.sub_id, *path]))
    for link in metas:
        if link.meta_id != canonical.pk:
            MetaTagging.objects.get_or_create(meta_id=link.meta_id, sub=canonical)
    for link in subs:
        if link.sub_id != canonical.pk:
            MetaTagging.objects.get_or_create(meta=canonical, sub_id=link.sub_id)
    MetaTagging.objects.filter(sub=tag).delete()
    MetaTagging.objects.filter(meta=tag).delete()
    if metas:
        moved.append(f"metatags {', '.join(link.meta.name for link in metas)}")
    if subs:
        moved.append(f"subtags {', '.join(link.sub.name for link in subs)}")
    parents = list(TagParent.objects.filter(child=tag).select_related("parent"))
    for link in parents:
        TagParent.objects.get_or_create(child=canonical, parent_id=link.parent_id)
    if parents:
        moved.append(f"parents {', '.join(link.parent.name for link in parents)}")
    children = list(TagParent.objects.filter(parent=tag).select_related("child"))
    for link in children:
        if link.child_id != canonical.pk:
            TagParent.objects.get_or_create(child_id=link.child_id, parent=canonical)
    TagParent.objects.filter(parent=tag).delete()
    if children:
        moved.append(f"children {', '.join(link.child.name for link in children)}")
    if not moved:
        return ""
    return f"Moved to '{canonical.name}': " + "; ".join(moved) + "."


def tag_unmake_synonym(*, actor, tag: Tag) -> Tag:
    """``tag`` stops being a synonym: its works are listed under it alone again."""
    _require_wrangler(actor)
    with transaction.atomic():
        tag = _fresh(tag)
        if not tag.merger_id:
            raise ValidationError(f"'{tag.name}' isn't a synonym of any tag.")
        before = _snapshot(tag)
        tag.merger = None
        tag.save(update_fields=["merger", "updated_at"])
        _record(actor=actor, tag=tag, action="unmake_synonym", before=before)
        filters_recompute_schedule(tags=[tag], reason=f"'{tag.name}' no longer a synonym")
    return tag


def tag_mark_unwrangleable(*, actor, tag: Tag, unwrangleable: bool = True) -> Tag:
    """Mark ``tag`` as not for filtering (or take the mark away). Only a tag
    that is neither canonical nor a synonym can be marked."""
    _require_wrangler(actor)
    with transaction.atomic():
        tag = _fresh(tag)
        _refuse_fixed(tag)
        if unwrangleable and (tag.canonical or tag.merger_id):
            raise ValidationError(
                f"'{tag.name}' is {'canonical' if tag.canonical else 'a synonym'}; only an "
                "unwrangled tag can be marked unwrangleable."
            )
        if tag.unwrangleable == unwrangleable:
            raise ValidationError(
                f"'{tag.name}' is {'already' if unwrangleable else 'not'} marked unwrangleable."
            )
        before = _snapshot(tag)
        tag.unwrangleable = unwrangleable
        tag.save(update_fields=["unwrangleable", "updated_at"])
        action = "mark_unwrangleable" if unwrangleable else "unmark_unwrangleable"
        _record(actor=actor, tag=tag, action=action, before=before)
        filters_recompute_schedule(tags=[tag], reason=f"'{tag.name}' {action}")
    return tag


def tag_rename(*, actor, tag: Tag, name: str) -> Tag:
    """Change ``tag``'s name (letter case, spelling) keeping everything linked to it."""
    from chapterhouse.works.services.tagging import tag_name_problems

    _require_wrangler(actor)
    name = re.sub(r"\s+", " ", name or "").strip()
    if not name:
        raise ValidationError("Please give the tag a name.")
    problems = tag_name_problems(name)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        tag = _fresh(tag)
        _refuse_fixed(tag)
        if name == tag.name:
            raise ValidationError(f"The tag is already called '{name}'.")
        clash = Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).first()
        if clash is not None:
            raise ValidationError(
                f"There is already a tag called '{clash.name}'; make '{tag.name}' a synonym "
                "of it instead."
            )
        before = _snapshot(tag)
        tag.name = name
        tag.save(update_fields=["name", "updated_at"])
        _record(actor=actor, tag=tag, action="rename", before=before,
                note=f"Renamed from '{before['name']}'.")
    return tag


# Parents and metatags -------------------------------------------------------------


def tag_parent_add(*, actor, child: Tag, parent: Tag) -> TagParent:
    """File ``child`` under ``parent``: a character, relationship or additional tag
    under a fandom; a fandom under a medium; a relationship under a character."""
    _require_wrangler(actor)
    with transaction.atomic():
        child, parent = _fresh(child), _fresh(parent)
        allowed = PARENT_TYPES.get(child.type, set())
        if parent.type not in allowed:
            kinds = " or ".join(sorted(TagType(t).label.lower() for t in allowed)) or "nothing"
            raise ValidationError(
                f"'{child.name}' is a {child.get_type_display().lower()}; it can be filed "
                f"under a {kinds}, not under a {parent.get_type_display().lower()} "
                f"('{parent.name}')."
            )
        if not parent.canonical:
            raise ValidationError(
                f"'{parent.name}' isn't canonical; only a canonical tag can be a parent."
            )
        if TagParent.objects.filter(child=child, parent=parent).exists():
            raise ValidationError(f"'{child.name}' is already under '{parent.name}'.")
        link = TagParent.objects.create(child=child, parent=parent)
        _record(actor=actor, tag=child, action="parent_add", before=_snapshot(child),
                note=f"Added parent '{parent.name}'.")
    return link


def tag_parent_remove(*, actor, child: Tag, parent: Tag) -> None:
    _require_wrangler(actor)
    with transaction.atomic():
        deleted, _ = TagParent.objects.filter(child=child, parent=parent).delete()
        if not deleted:
            raise ValidationError(f"'{child.name}' isn't under '{parent.name}'.")
        _record(actor=actor, tag=child, action="parent_remove", before=_snapshot(child),
                note=f"Removed parent '{parent.name}'.")


def tag_metatag_add(*, actor, meta: Tag, sub: Tag) -> MetaTagging:
    """Make ``meta`` a metatag of ``sub``: works under ``sub`` are listed under
    ``meta`` (and every metatag above it) too."""
    _require_wrangler(actor)
    with transaction.atomic():
        meta, sub = _fresh(meta), _fresh(sub)
        _refuse_fixed(sub)
        if meta.pk == sub.pk:
            raise ValidationError(f"'{meta.name}' cannot be a metatag of itself.")
        for each in (meta, sub):
            if not each.canonical:
                raise ValidationError(
                    f"'{each.name}' isn't canonical; metatags and subtags must be canonical."
                )
        if meta.type != sub.type:
            raise ValidationError(
                f"'{meta.name}' is a {meta.get_type_display().lower()} and '{sub.name}' is a "
                f"{sub.get_type_display().lower()}; a metatag must be of the same type as "
                "its subtag."
            )
        if MetaTagging.objects.filter(meta=meta, sub=sub).exists():
            raise ValidationError(f"'{meta.name}' is already a metatag of '{sub.name}'.")
        path = metatag_path(start=meta, goal=sub)
        if path is not None:
            raise ValidationError(_loop_message([sub.pk, *path]))
        link = MetaTagging.objects.create(meta=meta, sub=sub)
        _record(actor=actor, tag=sub, action="metatag_add", before=_snapshot(sub),
                note=f"Added metatag '{meta.name}'.")
        filters_recompute_schedule(
            tags=[sub], reason=f"'{meta.name}' made a metatag of '{sub.name}'"
        )
    return link


def tag_metatag_remove(*, actor, meta: Tag, sub: Tag) -> None:
    _require_wrangler(actor)
    with transaction.atomic():
        deleted, _ = MetaTagging.objects.filter(meta=meta, sub=sub).delete()
        if not deleted:
            raise ValidationError(f"'{meta.name}' isn't a metatag of '{sub.name}'.")
        _record(actor=actor, tag=sub, action="metatag_remove", before=_snapshot(sub),
                note=f"Removed metatag '{meta.name}'.")
        filters_recompute_schedule(
            tags=[sub], reason=f"'{meta.name}' no longer a metatag of '{sub.name}'"
        )


# Mass actions ---------------------------------------------------------------------

#: Mass actions and whether they need a target tag.
MASS_ACTIONS = {
    "make_canonical": False,
    "make_synonym": True,
    "unmake_synonym": False,
    "mark_unwrangleable": False,
    "parent_add": True,
    "parent_remove": True,
    "metatag_add": True,
    "metatag_remove": True,
}


def _one(actor, tag: Tag, action: str, target: Tag | None):
    if action == "make_canonical":
        return tag_make_canonical(actor=actor, tag=tag)
    if action == "make_synonym":
        return tag_make_synonym(actor=actor, tag=tag, canonical=target)
    if action == "unmake_synonym":
        return tag_unmake_synonym(actor=actor, tag=tag)
    if action == "mark_unwrangleable":
        return tag_mark_unwrangleable(actor=actor, tag=tag)
    if action == "parent_add":
        return tag_parent_add(actor=actor, child=tag, parent=target)
    if action == "parent_remove":
        return tag_parent_remove(actor=actor, child=tag, parent=target)
    if action == "metatag_add":
        return tag_metatag_add(actor=actor, meta=target, sub=tag)
    return tag_metatag_remove(actor=actor, meta=target, sub=tag)


def tags_mass_action(*, actor, tags: list[Tag], action: str, target: Tag | None = None) -> int:
    """Apply one action to many tags (``target`` is the canonical, parent or
    metatag where the action needs one): all of them or, if any is refused,
    none; the ValidationError lists every refusal. One audit row per tag.
    Returns the number of tags changed."""
    _require_wrangler(actor)
    if action not in MASS_ACTIONS:
        raise ValidationError(f"Unknown wrangling action '{action}'.")
    if MASS_ACTIONS[action] and target is None:
        raise ValidationError("Please choose the tag to apply this action with.")
    if not tags:
        raise ValidationError("Please choose at least one tag.")
    problems: list[str] = []
    with transaction.atomic():
        for tag in tags:
            try:
                with transaction.atomic():
                    _one(actor, tag, action, target)
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(
                ["Nothing was changed, because:", *problems]
            )
    return len(tags)
