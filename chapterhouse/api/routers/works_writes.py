"""Posting and editing works through the API: ``POST /works``, ``PATCH
/works/{id}``, ``POST /works/{id}/post``, ``DELETE /works/{id}`` and ``POST
/works/{id}/chapters``, added to the works router.

Every rule is the posting services' (``works.services.posting`` and
``works.services.chapters``): required tags, lengths, co-creator consent,
revisions of posted text. This module only turns the request into the
form's ``WorkFields``/``ChapterFields`` and names the service's field errors
as the API names its fields (``content`` → ``text``, ``freeforms`` →
``additional_tags``, …).
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Status

from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.works.models import Chapter, Work
from chapterhouse.works.selectors.reading import work_page
from chapterhouse.works.services import chapters as chapter_services
from chapterhouse.works.services import posting
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.text import TextFormat

from ..auth import WRITE_AUTH, viewer_of
from ..schemas import ChapterOut, WorkOut, chapter_out, work_out
from ..schemas_writes import (
    WRITE_ERRORS,
    ChapterIn,
    WorkIn,
    WorkPatch,
    visible_work,
    write_operation,
)
from .works import router

#: The service's field names → the API's.
FIELD_NAMES = {
    "content": "text",
    "content_format": "text_format",
    "summary_format": "text_format",
    "notes_format": "text_format",
    "endnotes_format": "text_format",
    "freeforms": "additional_tags",
    "series": "series_id",
    "pseud": "pseud_id",
    "skin": "skin_id",
}
TEXTS = ("summary", "notes", "endnotes")


def _fixed_ids(values, table: dict[int, str], field: str, errors: dict) -> list[int]:
    """Fixed tags given by AO3 id or by name (any letter case)."""
    by_name = {name.casefold(): pk for pk, name in table.items()}
    found = []
    for value in values:
        if isinstance(value, int) or str(value).strip().isdigit():
            found.append(int(value))
            continue
        pk = by_name.get(" ".join(str(value).split()).casefold())
        if pk is None:
            errors.setdefault(field, []).append(
                f"'{value}' is not one of: {', '.join(table.values())}."
            )
        else:
            found.append(pk)
    return found


def _names(values: list[str], field: str, errors: dict) -> str:
    for name in values:
        if "," in name:
            errors.setdefault(field, []).append(
                f"Tag names cannot contain commas ('{name}'): give each tag as its own item."
            )
    return ", ".join(values)


def _tag_choice(data: dict, choice: TagChoice, errors: dict) -> TagChoice:
    """``choice`` with the tag fields ``data`` gives replaced."""
    if "rating" in data:
        rating = data["rating"]
        ids = _fixed_ids([rating], RATINGS, "rating", errors) if rating is not None else []
        choice.rating = ids[0] if ids else None
    if "warnings" in data:
        choice.warnings = _fixed_ids(data["warnings"] or [], WARNINGS, "warnings", errors)
    if "categories" in data:
        choice.categories = _fixed_ids(data["categories"] or [], CATEGORIES, "categories",
                                       errors)
    for api_name, field in (("fandoms", "fandoms"), ("relationships", "relationships"),
                            ("characters", "characters"), ("additional_tags", "freeforms")):
        if api_name in data:
            setattr(choice, field, _names(data[api_name] or [], api_name, errors))
    return choice


def _merge(fields: posting.WorkFields, data: dict) -> posting.WorkFields:
    """``fields`` with what ``data`` (the request's given keys) changes."""
    errors: dict[str, list[str]] = {}
    text_format = data.get("text_format")
    for name in TEXTS:
        if name in data:
            setattr(fields, name, data[name] or "")
            if text_format:
                setattr(fields, f"{name}_format", text_format)
    if "text" in data:
        fields.content = data["text"] or ""
        if text_format:
            fields.content_format = text_format
    for name in ("title", "language", "comment_permission", "new_series_title",
                 "chapter_title", "change_note"):
        if name in data:
            setattr(fields, name, data[name] or "")
    for name in ("restricted", "anonymous", "moderated_comments"):
        if name in data:
            setattr(fields, name, bool(data[name]))
    for name in ("series_id", "expected_chapters", "pseud_id"):
        if name in data:
            setattr(fields, name, data[name])
    for name in ("cocreators", "gifts"):
        if name in data:
            setattr(fields, name, ", ".join(data[name] or []))
    fields.tags = _tag_choice(data, fields.tags, errors)
    if errors:
        raise ValidationError(errors)
    return fields


def chapter_written(chapter: Chapter) -> dict:
    return chapter_out(chapter)


def work_written(user, work: Work) -> dict:
    """The work as its creator now sees it (drafts and draft chapters too)."""
    return work_out(work_page(viewer=user, work_id=work.pk))


@router.post("", auth=WRITE_AUTH, response={201: WorkOut, **WRITE_ERRORS},
             tags=["works"], summary="Post a work (or save a draft)")
@write_operation(field_names=FIELD_NAMES)
def work_new(request: HttpRequest, payload: WorkIn):
    """Like the site's work form: a draft only you can see, or posted at once
    with ``post: true``. Field problems come back as 422 with ``errors``."""
    user = viewer_of(request)
    data = payload.model_dump()
    data["text_format"] = data.get("text_format") or TextFormat.HTML
    fields = _merge(posting.WorkFields(), data)
    work = posting.work_create(user=user, fields=fields, post=payload.post)
    return Status(201, work_written(user, work))


@router.patch("/{int:work_id}", auth=WRITE_AUTH, response={200: WorkOut, **WRITE_ERRORS},
              tags=["works"], summary="Edit a work")
@write_operation(field_names=FIELD_NAMES)
def work_change(request: HttpRequest, work_id: int, payload: WorkPatch):
    """Only the fields you send change. Editing the text of a posted work
    keeps the old version as a revision, as the site does."""
    user = viewer_of(request)
    work = visible_work(user, work_id)
    data = payload.model_dump(exclude_unset=True)
    data.pop("post", None)
    fields = _merge(posting.work_fields_of(work), data)
    work = posting.work_update(
        user=user, work=work, fields=fields, post=payload.post and not work.posted
    )
    return Status(200, work_written(user, work))


@router.post("/{int:work_id}/post", auth=WRITE_AUTH,
             response={200: WorkOut, **WRITE_ERRORS}, tags=["works"],
             summary="Post a draft")
@write_operation(field_names=FIELD_NAMES)
def work_post(request: HttpRequest, work_id: int):
    user = viewer_of(request)
    work = visible_work(user, work_id)
    work = posting.work_post(user=user, work=work)
    return Status(200, work_written(user, work))


@router.delete("/{int:work_id}", auth=WRITE_AUTH, response={204: None, **WRITE_ERRORS},
               tags=["works"], summary="Delete a work")
@write_operation(field_names=FIELD_NAMES)
def work_remove(request: HttpRequest, work_id: int):
    user = viewer_of(request)
    posting.work_delete(user=user, work=visible_work(user, work_id))
    return Status(204, None)


def chapter_fields(fields: chapter_services.ChapterFields, data: dict):
    """``fields`` with what ``data`` (the request's given keys) changes."""
    text_format = data.get("text_format")
    for api_name, name in (("summary", "summary"), ("notes", "notes"),
                           ("endnotes", "endnotes"), ("text", "content")):
        if api_name in data:
            setattr(fields, name, data[api_name] or "")
            if text_format:
                setattr(fields, f"{name}_format", text_format)
    if "title" in data:
        fields.title = data["title"] or ""
    if "scheduled_for" in data:
        fields.scheduled_for = data["scheduled_for"]
    if "expected_chapters" in data:
        fields.expected_chapters = data["expected_chapters"]
    return fields


@router.post("/{int:work_id}/chapters", auth=WRITE_AUTH,
             response={201: ChapterOut, **WRITE_ERRORS}, tags=["chapters"],
             summary="Add a chapter")
@write_operation(field_names=FIELD_NAMES)
def chapter_new(request: HttpRequest, work_id: int, payload: ChapterIn):
    """A chapter at the end: posted now with ``post: true`` (of a posted
    work), at ``scheduled_for``, or a draft."""
    user = viewer_of(request)
    work = visible_work(user, work_id)
    data = payload.model_dump(exclude_unset=True)
    data["text_format"] = data.get("text_format") or TextFormat.HTML
    for name in ("title", "summary", "notes", "endnotes", "text"):
        data.setdefault(name, "")
    fields = chapter_fields(chapter_services.ChapterFields(), data)
    chapter = chapter_services.chapter_create(
        user=user, work=work, fields=fields, post=payload.post
    )
    return Status(201, chapter_written(chapter))
