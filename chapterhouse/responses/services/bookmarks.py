"""Writes for bookmarks: a reader keeps a work, a series or a work kept
elsewhere (an external work), under one of her pseuds, with her notes (sanitised
HTML), her own tags and the private and rec flags.

Rules (see docs/bookmarks.md):

- one bookmark per reader per item; a second one is refused with
  "You have already bookmarked that." (``code="duplicate"``);
- a reader bookmarks only what she may see: a posted work through the
  visibility door, a series with at least one such work, an external work
  not hidden by an admin;
- only the bookmark's owner changes or deletes it;
- ``Work.bookmark_count`` counts the work's public bookmarks (not private,
  not hidden by an admin) and is recounted in the same transaction.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from chapterhouse.accounts.models import Pseud
from chapterhouse.discovery.receivers import work_changed
from chapterhouse.moderation.guards import may_write
from chapterhouse.tags.fixed import RATINGS
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Series, Work
from chapterhouse.works.selectors.visibility import can_view_work, works_visible_to
from chapterhouse.works.services.tagging import (
    tag_name_problems,
    tag_names_split,
    tags_find_or_create,
)
from chapterhouse.works.text import html_to_html

from ..models import Bookmark, BookmarkTag, ExternalWork, ExternalWorkTag

#: AO3's limit on a bookmarker's notes, in characters as typed.
NOTES_MAX = 5000
#: At most this many tags on one bookmark.
TAGS_MAX = 75
#: Lengths of an external work's fields (the columns' sizes).
EXTERNAL_URL_MAX = 2000
EXTERNAL_TEXT_MAX = 255
EXTERNAL_SUMMARY_MAX = 1250

DUPLICATE_MESSAGE = "You have already bookmarked that."


def _signed_in(user) -> None:
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Please log in to bookmark.")


def _check_pseud(*, user, pseud: Pseud | None) -> Pseud:
    if pseud is None or pseud.user_id != user.pk:
        raise ValidationError({"pseud": ["Please choose one of your own pseuds."]})
    return pseud


def _check_notes(notes: str, errors: dict) -> str:
    notes = notes or ""
    if len(notes) > NOTES_MAX:
        errors.setdefault("notes", []).append(
            f"Notes must be less than {NOTES_MAX:,} characters long (yours has "
            f"{len(notes):,})."
        )
    return html_to_html(notes)


def _check_tag_names(tag_string: str, errors: dict, *, field: str = "tag_string") -> list[str]:
    names = tag_names_split(tag_string)
    for name in names:
        for problem in tag_name_problems(name):
            errors.setdefault(field, []).append(problem)
    if len(names) > TAGS_MAX:
        errors.setdefault(field, []).append(
            f"You have {len(names)} tags; a bookmark may have at most {TAGS_MAX}."
        )
    return names


def _tags_set(bookmark: Bookmark, names: list[str]) -> None:
    """The bookmarker's tags, in the order typed: existing tags (any case, any
    type) are reused; new names become unwrangled additional tags."""
    tags = tags_find_or_create(names=names, tag_type=TagType.FREEFORM)
    unique: list[Tag] = []
    for each in tags:
        if all(each.pk != kept.pk for kept in unique):
            unique.append(each)
    BookmarkTag.objects.filter(bookmark=bookmark).delete()
    BookmarkTag.objects.bulk_create(
        BookmarkTag(bookmark=bookmark, tag=each, position=position)
        for position, each in enumerate(unique)
    )


def bookmark_count_refresh(*, work_ids) -> None:
    """Recount the public bookmarks of these works and tell the search index."""
    ids = sorted({int(pk) for pk in work_ids if pk})
    for work_id in ids:
        count = Bookmark.objects.filter(
            work_id=work_id, private=False, hidden_by_admin=False
        ).count()
        Work.objects.filter(pk=work_id).update(bookmark_count=count)
    work_changed(ids)


def _check_target(*, user, work, series, external) -> None:
    if sum(item is not None for item in (work, series, external)) != 1:
        raise ValidationError("Please choose exactly one thing to bookmark.")
    if work is not None and (not work.posted or not can_view_work(user, work)):
        raise PermissionDenied("Sorry, you can't bookmark that work.")
    if series is not None:
        visible = works_visible_to(user).filter(posted=True, series_parts__series=series)
        if not visible.exists():
            raise PermissionDenied("Sorry, you can't bookmark that series.")
    if external is not None and external.hidden_by_admin:
        raise PermissionDenied("Sorry, you can't bookmark that external work.")


def bookmark_existing(*, user, work=None, series=None, external=None) -> Bookmark | None:
    """``user``'s bookmark of this item, if she has one."""
    if not getattr(user, "is_authenticated", False):
        return None
    if work is not None:
        return Bookmark.objects.filter(user=user, work=work).first()
    if series is not None:
        return Bookmark.objects.filter(user=user, series=series).first()
    if external is not None:
        return Bookmark.objects.filter(user=user, external_work=external).first()
    return None


@transaction.atomic
def bookmark_create(
    *,
    user,
    pseud: Pseud | None,
    work: Work | None = None,
    series: Series | None = None,
    external: ExternalWork | None = None,
    notes: str = "",
    tag_string: str = "",
    private: bool = False,
    rec: bool = False,
) -> Bookmark:
    """Bookmark exactly one of ``work``, ``series``, ``external``.

    Raises PermissionDenied when ``user`` may not see the item, ValidationError
    (by field: ``pseud``, ``notes``, ``tag_string``; or ``code="duplicate"``)
    otherwise."""
    _signed_in(user)
    may_write(user=user, action="bookmark")
    _check_target(user=user, work=work, series=series, external=external)
    _check_pseud(user=user, pseud=pseud)
    errors: dict[str, list[str]] = {}
    clean_notes = _check_notes(notes, errors)
    names = _check_tag_names(tag_string, errors)
    if errors:
        raise ValidationError(errors)
    if bookmark_existing(user=user, work=work, series=series, external=external):
        raise ValidationError(DUPLICATE_MESSAGE, code="duplicate")
    try:
        with transaction.atomic():
            bookmark = Bookmark.objects.create(
                user=user, pseud=pseud, work=work, series=series, external_work=external,
                notes=clean_notes, private=bool(private), rec=bool(rec),
            )
            _tags_set(bookmark, names)
            if work is not None:
                bookmark_count_refresh(work_ids=[work.pk])
    except IntegrityError:  # the same reader, a second click, at the same moment
        raise ValidationError(DUPLICATE_MESSAGE, code="duplicate") from None
    return bookmark


def _owned(bookmark: Bookmark, user) -> None:
    if not getattr(user, "is_authenticated", False) or bookmark.user_id != user.pk:
        raise PermissionDenied("Sorry, only the bookmark's owner may change it.")


@transaction.atomic
def bookmark_update(
    *,
    bookmark: Bookmark,
    user,
    pseud: Pseud | None = None,
    notes: str = "",
    tag_string: str = "",
    private: bool = False,
    rec: bool = False,
) -> Bookmark:
    """Change the owner's notes, tags, flags and (if given) pseud."""
    may_write(user=user, action="bookmark")
    _owned(bookmark, user)
    if pseud is not None:
        _check_pseud(user=user, pseud=pseud)
    errors: dict[str, list[str]] = {}
    clean_notes = _check_notes(notes, errors)
    names = _check_tag_names(tag_string, errors)
    if errors:
        raise ValidationError(errors)
    bookmark.notes = clean_notes
    bookmark.private = bool(private)
    bookmark.rec = bool(rec)
    fields = ["notes", "private", "rec", "updated_at"]
    if pseud is not None:
        bookmark.pseud = pseud
        fields.append("pseud")
    bookmark.save(update_fields=fields)
    _tags_set(bookmark, names)
    if bookmark.work_id:
        bookmark_count_refresh(work_ids=[bookmark.work_id])
    return bookmark


@transaction.atomic
def bookmark_delete(*, bookmark: Bookmark, user) -> None:
    _owned(bookmark, user)
    work_id = bookmark.work_id
    bookmark.delete()
    if work_id:
        bookmark_count_refresh(work_ids=[work_id])


# External works --------------------------------------------------------------


def _external_tags(*, fandoms: str, relationships: str, characters: str, errors: dict):
    """(names, type) groups, checked; the fixed tags may not be typed in."""
    groups = []
    for field, text, tag_type in (
        ("fandoms", fandoms, TagType.FANDOM),
        ("relationships", relationships, TagType.RELATIONSHIP),
        ("characters", characters, TagType.CHARACTER),
    ):
        names = _check_tag_names(text, errors, field=field)
        groups.append((names, tag_type))
    if not groups[0][0] and "fandoms" not in errors:
        errors.setdefault("fandoms", []).append("Please add at least one fandom.")
    return groups


@transaction.atomic
def external_work_create(
    *,
    user,
    url: str,
    title: str,
    creator: str,
    summary: str = "",
    fandoms: str = "",
    rating: int | None = None,
    relationships: str = "",
    characters: str = "",
) -> ExternalWork:
    """A work kept elsewhere, to bookmark. An external work already recorded at
    the same address (and not hidden) is reused as it is, so every reader's
    bookmark of it gathers in one place."""
    _signed_in(user)
    url, title, creator = (url or "").strip(), (title or "").strip(), (creator or "").strip()
    errors: dict[str, list[str]] = {}
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors.setdefault("url", []).append(
            "Please give a web address starting with http:// or https://."
        )
    elif len(url) > EXTERNAL_URL_MAX:
        errors.setdefault("url", []).append(
            f"The address must be at most {EXTERNAL_URL_MAX:,} characters long."
        )
    existing = None
    if "url" not in errors:
        existing = (
            ExternalWork.objects.filter(url=url, hidden_by_admin=False).order_by("pk").first()
        )
    if existing is not None:
        return existing
    for field, value, label in (("title", title, "title"), ("creator", creator, "creator")):
        if not value:
            errors.setdefault(field, []).append(f"Please give the work's {label}.")
        elif len(value) > EXTERNAL_TEXT_MAX:
            errors.setdefault(field, []).append(
                f"The {label} must be at most {EXTERNAL_TEXT_MAX} characters long."
            )
    if len(summary or "") > EXTERNAL_SUMMARY_MAX:
        errors.setdefault("summary", []).append(
            f"The summary must be at most {EXTERNAL_SUMMARY_MAX:,} characters long."
        )
    rating_id = None
    if rating not in (None, ""):
        try:
            rating_id = int(rating)
        except (TypeError, ValueError):
            rating_id = -1
        if rating_id not in RATINGS:
            errors.setdefault("rating", []).append("Please choose a rating from the list.")
    groups = _external_tags(
        fandoms=fandoms, relationships=relationships, characters=characters, errors=errors
    )
    if errors:
        raise ValidationError(errors)
    external = ExternalWork.objects.create(
        url=url, title=title, creator=creator, summary=html_to_html(summary or ""),
        added_by=user,
    )
    tags: list[Tag] = []
    if rating_id is not None:
        tags.append(Tag.objects.get(pk=rating_id))
    for names, tag_type in groups:
        tags += tags_find_or_create(names=names, tag_type=tag_type)
    seen: set[int] = set()
    rows = []
    for each in tags:
        if each.pk not in seen:
            seen.add(each.pk)
            rows.append(ExternalWorkTag(external_work=external, tag=each))
    ExternalWorkTag.objects.bulk_create(rows)
    return external


def external_bookmark_create(
    *,
    user,
    pseud: Pseud | None,
    external: dict,
    notes: str = "",
    tag_string: str = "",
    private: bool = False,
    rec: bool = False,
) -> Bookmark:
    """Record the external work (``external`` holds ``external_work_create``'s
    arguments) and bookmark it, both or neither. Errors of both parts are
    reported together."""
    with transaction.atomic():
        errors: dict[str, list[str]] = {}
        found = None
        try:
            found = external_work_create(user=user, **external)
        except ValidationError as error:
            errors.update(error.message_dict)
        if found is None:
            # Check the bookmark's own fields too, so the reader sees every problem.
            problems: dict[str, list[str]] = {}
            _check_notes(notes, problems)
            _check_tag_names(tag_string, problems)
            errors.update(problems)
            raise ValidationError(errors)
        return bookmark_create(
            user=user, pseud=pseud, external=found, notes=notes, tag_string=tag_string,
            private=private, rec=rec,
        )


__all__ = [
    "DUPLICATE_MESSAGE",
    "NOTES_MAX",
    "TAGS_MAX",
    "bookmark_count_refresh",
    "bookmark_create",
    "bookmark_delete",
    "bookmark_existing",
    "bookmark_update",
    "external_bookmark_create",
    "external_work_create",
]
