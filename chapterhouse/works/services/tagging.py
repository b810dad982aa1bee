"""Tags on a work: the fixed rating, warnings and categories, and the names
creators type (fandoms, relationships, characters, additional tags).

Typed names follow AO3's rules: at most 100 characters each, none of AO3's
restricted characters, at most 75 user tags on a work. A name that already
exists (in any letter case, of any type) is reused as it is; a new name gets
the type of the field it was typed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.selectors import tags_by_names, tags_by_names_and_ids, tags_named
from chapterhouse.tags.services.filters import tag_use_counts_adjust, work_filter_tags_write
from chapterhouse.tags.words import tag_words_rebuild
from chapterhouse.web.bulk import rows_insert

from ..models import MAX_USER_TAGS, Work, WorkTag

#: AO3's tag length limit (ArchiveConfig.TAG_MAX).
TAG_NAME_MAX = 100
#: AO3 refuses these in tag names (the comma separates tags, so it never
#: reaches a name; the full-width and ideographic commas do).
FORBIDDEN_TAG_CHARACTERS = ",^*<>{}=`，、\\%"
FORBIDDEN_DISPLAY = ", ^ * < > { } = ` ， 、 \\ %"

#: The form fields that take typed names, with the type a new name gets.
USER_TAG_FIELDS = {
    "fandoms": TagType.FANDOM,
    "relationships": TagType.RELATIONSHIP,
    "characters": TagType.CHARACTER,
    "freeforms": TagType.FREEFORM,
}
_FIXED_TYPES = {TagType.RATING, TagType.WARNING, TagType.CATEGORY}


@dataclass
class TagChoice:
    """What a creator chose: fixed tag ids and typed names (comma-separated)."""

    rating: int | None = None
    warnings: list[int] = field(default_factory=list)
    categories: list[int] = field(default_factory=list)
    fandoms: str = ""
    relationships: str = ""
    characters: str = ""
    freeforms: str = ""


def tag_names_split(text: str) -> list[str]:
    """Comma-separated names, trimmed, inner spaces collapsed, duplicates dropped
    (whatever their letter case), in the order typed."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in (text or "").split(","):
        name = re.sub(r"\s+", " ", raw).strip()
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    return names


def tag_name_problems(name: str) -> list[str]:
    problems = []
    if len(name) > TAG_NAME_MAX:
        problems.append(
            f"Tag name '{name}' is too long -- try using less than {TAG_NAME_MAX} characters "
            "or using commas to separate your tags."
        )
    found = sorted({ch for ch in name if ch in FORBIDDEN_TAG_CHARACTERS}, key=name.index)
    if found:
        problems.append(
            f"Tag name '{name}' cannot include the following restricted characters: "
            f"{FORBIDDEN_DISPLAY} (it has {' '.join(found)})."
        )
    return problems


def typed_names(choice: TagChoice) -> dict[str, list[str]]:
    """The names typed in each field of ``choice``, split as they are saved."""
    return {field_name: tag_names_split(getattr(choice, field_name))
            for field_name in USER_TAG_FIELDS}


def typed_tags_found(choice: TagChoice) -> dict[str, Tag]:
    """The existing tags that the names typed in ``choice`` call, by typed
    name (one query for them all)."""
    return tags_by_names(name for names in typed_names(choice).values() for name in names)


def chosen_tags_found(choice: TagChoice) -> tuple[dict[str, Tag], dict[int, Tag]]:
    """``typed_tags_found(choice)`` and the fixed tags chosen (rating, warnings,
    categories) by id, in one query."""
    return tags_by_names_and_ids(
        (name for names in typed_names(choice).values() for name in names),
        [choice.rating, *choice.warnings, *choice.categories],
    )


def tag_choice_check(
    choice: TagChoice, *, found: dict[str, Tag] | None = None
) -> dict[str, list[str]]:
    """Every problem with ``choice``, by form field; empty when it may be saved.
    ``found`` is ``typed_tags_found(choice)`` when the caller has it already."""
    errors: dict[str, list[str]] = {}
    if choice.rating not in RATINGS:
        errors.setdefault("rating", []).append("Please choose a rating.")
    warnings = [w for w in choice.warnings if w in WARNINGS]
    if not warnings or len(warnings) != len(choice.warnings):
        errors.setdefault("warnings", []).append(
            "Please choose at least one archive warning (or 'Creator Chose Not To Use "
            "Archive Warnings')."
        )
    if any(c not in CATEGORIES for c in choice.categories):
        errors.setdefault("categories", []).append("Please choose categories from the list.")
    typed = typed_names(choice)
    if found is None:
        found = tags_by_names(name for names in typed.values() for name in names)
    total = 0
    for field_name, names in typed.items():
        total += len(names)
        for name in names:
            errors_here = tag_name_problems(name)
            existing = found.get(name)
            if existing is not None and existing.type in _FIXED_TYPES:
                errors_here.append(
                    f"'{existing.name}' is a {existing.get_type_display().lower()}; "
                    "choose it from the list above instead."
                )
            if errors_here:
                errors.setdefault(field_name, []).extend(errors_here)
    if not typed["fandoms"] and "fandoms" not in errors:
        errors.setdefault("fandoms", []).append("Please add at least one fandom.")
    if total > MAX_USER_TAGS:
        errors.setdefault("freeforms", []).append(
            f"You have {total} fandom, relationship, character and additional tags; "
            f"a work may have at most {MAX_USER_TAGS}."
        )
    return errors


def _tag_find_or_create(name: str, tag_type: str) -> Tag:
    existing = tags_named(name).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = Tag.objects.create(name=name, type=tag_type)
        except IntegrityError:  # someone made it just now
            existing = tags_named(name).get()
    return existing


def _tags_create(wanted: list[tuple[str, str]]) -> dict[str, Tag]:
    """New tags for ``wanted`` (name, type) pairs, none of which called a tag
    a moment ago: one insert for them all. When that insert meets a name
    taken since, or two of the names are one name to the database, each is
    found or created in turn instead, in the order given (the first name
    typed wins, as ever)."""
    first: dict[str, str] = {}
    for name, kind in wanted:
        first.setdefault(name, kind)
    if not first:
        return {}
    try:
        with transaction.atomic():
            made = Tag.objects.bulk_create([Tag(name=name, type=kind)
                                            for name, kind in first.items()])
    except IntegrityError:
        return {name: _tag_find_or_create(name, kind) for name, kind in first.items()}
    # bulk_create sends no post_save: write the new names' words for autocomplete.
    tag_words_rebuild(made)
    return {tag.name: tag for tag in made}


def tags_find_or_create(
    *, names: list[str], tag_type: str, found: dict[str, Tag] | None = None
) -> list[Tag]:
    """The tags called ``names``: existing ones (any case, any type) are reused;
    new names become tags of ``tag_type``. ``found`` is what ``tags_by_names``
    gave for these names, when the caller has it already."""
    if found is None:
        found = tags_by_names(names)
    made = _tags_create([(name, tag_type) for name in names if name not in found])
    return [found.get(name) or made[name] for name in names]


def work_tags_set(
    *, work: Work, choice: TagChoice, found: dict[str, Tag] | None = None,
    fixed: dict[int, Tag] | None = None, new_work: bool = False,
) -> list[Tag]:
    """Replace the work's tags with ``choice``, in AO3's order: rating,
    warnings, categories, fandoms, relationships, characters, additional tags.
    Raises ValidationError (by field) when the choice breaks a rule.

    ``found`` is ``typed_tags_found(choice)`` when the caller has it already,
    ``fixed`` the fixed tags chosen, by id (both from ``chosen_tags_found``);
    ``new_work`` says the work was created in this transaction and has no
    tags yet, so there is nothing to read or remove first."""
    typed = typed_names(choice)
    if found is None:
        found = tags_by_names(name for names in typed.values() for name in names)
    errors = tag_choice_check(choice, found=found)
    if errors:
        raise ValidationError(errors)
    if fixed is None:
        fixed = Tag.objects.in_bulk([choice.rating, *choice.warnings, *choice.categories])
    made = _tags_create([
        (name, tag_type)
        for field_name, tag_type in USER_TAG_FIELDS.items()
        for name in typed[field_name]
        if name not in found
    ])
    ordered: list[Tag] = [fixed[choice.rating]]
    ordered += [fixed[w] for w in choice.warnings]
    ordered += [fixed[c] for c in choice.categories]
    for field_name in USER_TAG_FIELDS:
        ordered += [found.get(name) or made[name] for name in typed[field_name]]
    unique: list[Tag] = []
    seen: set[int] = set()
    for each in ordered:
        if each.pk not in seen:
            seen.add(each.pk)
            unique.append(each)
    before: set[int] = set()
    if not new_work:
        before = set(WorkTag.objects.filter(work=work).values_list("tag_id", flat=True))
        if before:
            WorkTag.objects.filter(work=work).delete()
    rows_insert(WorkTag, ("work_id", "tag_id", "position"),
                [(work.pk, each.pk, position) for position, each in enumerate(unique)])
    work_filter_tags_write(work_id=work.pk, tags=unique, new_work=new_work)
    # Last: the counts lock the tags' rows until the transaction ends, and
    # works posted at the same moment with the same tags wait on them.
    tag_use_counts_adjust(before=before, after=seen)
    return unique


def tag_choice_of(work: Work) -> TagChoice:
    """The work's tags as the form shows them."""
    choice = TagChoice()
    names: dict[str, list[str]] = {name: [] for name in USER_TAG_FIELDS}
    by_type = {tag_type: name for name, tag_type in USER_TAG_FIELDS.items()}
    by_type[TagType.UNSORTED] = "freeforms"
    for work_tag in WorkTag.objects.filter(work=work).select_related("tag"):
        each = work_tag.tag
        if each.type == TagType.RATING:
            choice.rating = each.pk
        elif each.type == TagType.WARNING:
            choice.warnings.append(each.pk)
        elif each.type == TagType.CATEGORY:
            choice.categories.append(each.pk)
        else:
            names[by_type.get(each.type, "freeforms")].append(each.name)
    for name, values in names.items():
        setattr(choice, name, ", ".join(values))
    return choice
