"""What the API's write operations take and give back, and how a service's
refusal becomes an answer.

Inputs mirror the site's forms; every rule stays in the services. Works,
chapters and bookmarks are answered with the read side's schemas
(``schemas.WorkOut``, ``ChapterOut``, ``BookmarkOut``); kudos, comments and
subscriptions with the small schemas here.

``write_operation`` wraps every write: it asks for the token's ``write``
scope first, then turns what a service raises into the answer a client can
act on:

- ``RateLimited`` → 429 with an integer ``Retry-After`` header;
- ``PermissionDenied`` → 403 with the service's sentence;
- ``Http404`` → 404;
- ``ValidationError`` → 422 ``{"detail": "…", "errors": {field: [messages]}}``.

Router modules that use it do not write ``from __future__ import
annotations``: django-ninja reads a wrapped operation's annotations through
the wrapper, whose module would have to resolve the names.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from ninja import Field, Schema
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from chapterhouse.web.ratelimit import RateLimited
from chapterhouse.works.selectors.visibility import works_visible_to
from chapterhouse.works.services.limits import COUNT_MAX

from .auth import require_scope

TextFormatName = Literal["html", "markdown", "plain"]
CommentPermissionName = Literal["everyone", "registered", "none"]


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Errors ------------------------------------------------------------------------------


class WriteErrorOut(Schema):
    detail: str | list[Any] = Field(..., description="What went wrong, in one sentence.")
    errors: dict[str, list[str]] | None = Field(
        None, description="Problems by field name, as the site's form shows them: "
        "{field: [messages]} (\"__all__\" for problems of the whole request)."
    )


#: The refusals every write may answer with, for the OpenAPI document.
WRITE_ERRORS: dict[int, Any] = {
    401: WriteErrorOut, 403: WriteErrorOut, 404: WriteErrorOut, 422: WriteErrorOut,
    429: WriteErrorOut,
}


def error_answer(status: int, detail: str, errors: dict | None = None,
                 headers: dict | None = None) -> JsonResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    answer = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        answer[name] = value
    return answer


def _messages(error: ValidationError,
              field_names: dict[str, str]) -> tuple[str, dict[str, list[str]]]:
    if hasattr(error, "error_dict"):
        errors: dict[str, list[str]] = {}
        for key, messages in error.message_dict.items():
            name = "detail" if key == "__all__" else field_names.get(key, key)
            errors.setdefault(name, []).extend(str(m) for m in messages)
        first = next((m for messages in errors.values() for m in messages), "")
        return first or "Please check the fields and try again.", errors
    messages = [str(m) for m in error.messages]
    return (messages[0] if messages else "Please check the fields and try again."), {}


def write_operation(func=None, *, field_names: dict[str, str] | None = None):
    """Check the ``write`` scope, then run ``func``, answering a service's
    refusal as described in the module's docstring. ``field_names`` maps the
    service's field names to the API's in a refusal's ``errors``
    (``@write_operation(field_names={"content": "text"})``)."""
    if func is None:
        return functools.partial(write_operation, field_names=field_names)
    names = field_names or {}

    @functools.wraps(func)
    def operation(request, *args, **kwargs):
        require_scope(request, "write")
        try:
            return func(request, *args, **kwargs)
        except RateLimited as error:
            retry = max(1, int(getattr(error, "retry_after", 1) or 1))
            return error_answer(429, error.messages[0], headers={"Retry-After": str(retry)})
        except PermissionDenied as error:
            return error_answer(403, str(error) or "You may not do that.")
        except Http404 as error:
            return error_answer(404, str(error) or "Not found.")
        except ValidationError as error:
            detail, errors = _messages(error, names)
            return error_answer(422, detail, errors)

    return operation


def visible_work(viewer, work_id: int):
    """The work, if ``viewer`` may see it (the works door); else ``Http404``,
    whether it is missing or someone else's draft."""
    work = works_visible_to(viewer).filter(pk=work_id).first()
    if work is None:
        raise Http404("We couldn't find that work.")
    return work


class Deleted(Schema):
    deleted: bool = True


# Kudos -------------------------------------------------------------------------------


class KudosOut(Schema):
    work_id: int
    kudos_count: int = Field(..., description="Kudos on the work now, users and guests.")
    users: int
    guests: int


# Comments ----------------------------------------------------------------------------


class CommentIn(Schema):
    content: str = Field(..., description="The comment (HTML; unsafe markup is removed).")
    chapter_id: int | None = Field(None, description="Comment on this chapter of the work.")
    pseud_id: int | None = Field(None, description="One of your pseuds; default pseud if empty.")


class ReplyIn(Schema):
    content: str
    pseud_id: int | None = None


class CommentEditIn(Schema):
    content: str


class CommentOut(Schema):
    id: int
    work_id: int
    chapter_id: int | None
    chapter_number: int | None = None
    parent_id: int | None
    thread_id: int | None
    depth: int
    state: str = Field(..., description="shown, hidden, waiting (for approval) or deleted")
    name: str = Field(..., description="Pseud, guest name or 'Anonymous Creator'.")
    username: str | None
    content: str
    created_at: datetime
    edited_at: datetime | None
    url: str
    can_reply: bool = False
    can_edit: bool = False
    can_delete: bool = False


class CommentPage(Schema):
    items: list[CommentOut] = Field(
        ..., description="One page of threads, flattened: each thread's comments in order, "
        "replies after their parent (use parent_id and depth to nest them)."
    )
    page: int
    num_pages: int
    threads: int = Field(..., description="Top-level comments in all pages.")
    per_page: int


# Bookmarks ---------------------------------------------------------------------------


class BookmarkIn(Schema):
    notes: str = ""
    tags: list[str] = Field(default_factory=list, description="Your tags, as names.")
    private: bool = False
    rec: bool = False
    pseud_id: int | None = Field(None, description="One of your pseuds; default pseud if empty.")


class BookmarkPatch(Schema):
    notes: str | None = None
    tags: list[str] | None = None
    private: bool | None = None
    rec: bool | None = None
    pseud_id: int | None = None


# Subscriptions -----------------------------------------------------------------------


class SubscriptionIn(Schema):
    type: Literal["work", "series", "user"]
    id: int | None = Field(None, description="The work's, series' or user's id.")
    name: str | None = Field(None, description="For a user: the user name instead of an id.")


class SubscriptionOut(Schema):
    id: int
    type: str = Field(..., description="work, series or user")
    target_id: int
    title: str = Field(..., description="The work's or series' title, or the user name.")
    url: str
    available: bool = Field(
        True, description="False when you may no longer see the work or series."
    )
    created_at: datetime


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    page: int
    num_pages: int
    total: int


# Works and chapters ------------------------------------------------------------------

RatingIn = int | str
TagIn = int | str


def _with_time_zone(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "time_zone_missing",
            "Please give the time with its time zone, such as 2030-05-01T18:00:00Z or "
            "2030-05-01T20:00:00+02:00.",
        )
    return value


#: A moment in time: a date and time without a zone could be any of 27 hours.
AwareTime = Annotated[datetime, AfterValidator(_with_time_zone)]
#: The expected number of chapters, which fits the work's column.
ExpectedChapters = Annotated[int, Field(le=COUNT_MAX)]


class _WorkTexts(Schema):
    text_format: TextFormatName | None = Field(
        None, description="Format of every text in this request (default html; when "
        "editing, each text keeps the format it was written in)."
    )


class WorkIn(_WorkTexts):
    title: str
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    rating: RatingIn | None = Field(None, description="A rating's name or AO3 id.")
    warnings: list[TagIn] = Field(default_factory=list, description="Names or AO3 ids.")
    categories: list[TagIn] = Field(default_factory=list, description="Names or AO3 ids.")
    fandoms: list[str] = Field(default_factory=list)
    relationships: list[str] = Field(default_factory=list)
    characters: list[str] = Field(default_factory=list)
    additional_tags: list[str] = Field(default_factory=list)
    language: str = "en"
    restricted: bool = False
    anonymous: bool = False
    comment_permission: CommentPermissionName = "everyone"
    moderated_comments: bool = False
    series_id: int | None = Field(None, description="Add the work to this series of yours.")
    new_series_title: str = Field("", description="Or start a new series with this title.")
    cocreators: list[str] = Field(default_factory=list, description="Invite by name.")
    gifts: list[str] = Field(default_factory=list, description="Recipients' names.")
    expected_chapters: ExpectedChapters | None = None
    pseud_id: int | None = None
    chapter_title: str = ""
    text: str = Field("", description="The first chapter.")
    post: bool = Field(False, description="Post now; otherwise a draft only you can see.")


class WorkPatch(_WorkTexts):
    title: str | None = None
    summary: str | None = None
    notes: str | None = None
    endnotes: str | None = None
    rating: RatingIn | None = None
    warnings: list[TagIn] | None = None
    categories: list[TagIn] | None = None
    fandoms: list[str] | None = None
    relationships: list[str] | None = None
    characters: list[str] | None = None
    additional_tags: list[str] | None = None
    language: str | None = None
    restricted: bool | None = None
    anonymous: bool | None = None
    comment_permission: CommentPermissionName | None = None
    moderated_comments: bool | None = None
    series_id: int | None = None
    new_series_title: str | None = None
    gifts: list[str] | None = None
    expected_chapters: ExpectedChapters | None = None
    chapter_title: str | None = None
    text: str | None = Field(None, description="The first chapter.")
    change_note: str | None = None
    post: bool = Field(False, description="Also post the draft.")


class ChapterIn(_WorkTexts):
    title: str = ""
    summary: str = ""
    notes: str = ""
    endnotes: str = ""
    text: str = ""
    post: bool = Field(False, description="Post now (of a posted work); otherwise a draft.")
    scheduled_for: AwareTime | None = Field(
        None, description="Post at this time instead (with its time zone)."
    )
    expected_chapters: ExpectedChapters | None = None


class ChapterPatch(_WorkTexts):
    title: str | None = None
    summary: str | None = None
    notes: str | None = None
    endnotes: str | None = None
    text: str | None = None
    post: bool = Field(False, description="Also post a draft chapter.")
    scheduled_for: AwareTime | None = None
    expected_chapters: ExpectedChapters | None = None
