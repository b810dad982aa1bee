"""Checks shared by the work and chapter forms' services: lengths, text
formats, rendering the texts before a transaction opens, and the minimum text a
chapter needs before it is posted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from ..models import CONTENT_MAX_LENGTH, NOTES_MAX_LENGTH, SUMMARY_MAX_LENGTH
from ..text import (
    TextFormat,
    TextTooComplex,
    render_ahead,
    render_user_text,
    strip_html,
    text_check,
    texts_ahead,
    texts_memo,
)

#: AO3 asks for at least this much text in a chapter before posting it.
CONTENT_MIN_LENGTH = 10

#: The largest count a work's number columns hold (PostgreSQL's ``integer``).
COUNT_MAX = 2_147_483_647

#: How far ahead a chapter may be scheduled.
SCHEDULE_MAX_YEARS = 100

Errors = dict[str, list[str]]

#: The texts a work or chapter form takes in a chosen format, with their length
#: limits: what :func:`texts_render` sanitises ahead of the transaction.
FORMATTED_TEXTS: list[tuple[str, int]] = [
    ("summary", SUMMARY_MAX_LENGTH),
    ("notes", NOTES_MAX_LENGTH),
    ("endnotes", NOTES_MAX_LENGTH),
    ("content", CONTENT_MAX_LENGTH),
]


def expected_chapters_check(value, errors: Errors) -> None:
    """The expected number of chapters, when one is given, fits its column."""
    if isinstance(value, int) and value > COUNT_MAX:
        errors.setdefault("expected_chapters", []).append(
            f"The expected number of chapters must be at most {COUNT_MAX:,}."
        )


def schedule_check(when, errors: Errors) -> None:
    """A chapter's posting time, when one is given, is in the future and within
    ``SCHEDULE_MAX_YEARS`` (further times may not even convert to UTC)."""
    if when is None:
        return
    now = timezone.now()
    if when <= now:
        errors.setdefault("scheduled_for", []).append(
            "Please choose a time in the future, or leave it empty to post now."
        )
    elif when > now + datetime.timedelta(days=365 * SCHEDULE_MAX_YEARS):
        errors.setdefault("scheduled_for", []).append(
            f"Please choose a time within the next {SCHEDULE_MAX_YEARS} years."
        )


def too_long(value: str, limit: int, what: str) -> str | None:
    if len(value or "") > limit:
        return f"{what} must be at most {limit:,} characters long (it has {len(value):,})."
    return None


def lengths_check(fields, rules: list[tuple[str, int, str]], errors: Errors) -> None:
    """``rules`` are (field name, limit, what to call it in the message)."""
    for name, limit, what in rules:
        problem = too_long(getattr(fields, name), limit, what)
        if problem:
            errors.setdefault(name, []).append(problem)


def formats_check(fields, names: tuple[str, ...], errors: Errors) -> None:
    for name in names:
        if getattr(fields, f"{name}_format") not in TextFormat.values:
            errors.setdefault(f"{name}_format", []).append("Please choose a text format.")


@dataclass
class RenderedTexts:
    """Text fields sanitised ahead of a transaction (see :func:`texts_render`)."""

    memo: dict = field(default_factory=dict)  # for texts_ahead()
    html: dict[str, str] = field(default_factory=dict)  # field name -> HTML ("" if none)
    errors: Errors = field(default_factory=dict)  # texts the pipeline refused


def texts_render(fields, rules: list[tuple[str, int]] = FORMATTED_TEXTS) -> RenderedTexts:
    """Sanitise the text fields in ``rules`` (field name, length limit).

    Call it before the transaction opens, and open the transaction inside
    ``texts_ahead(rendered.memo)``: sanitising a long text takes time, and holding a
    write lock meanwhile would make every other writer wait; inside, the pipeline
    answers from the memo. A field over its length limit or in an unknown format is
    left out (its own check reports it); a text the pipeline refuses (too deeply
    nested, …) is an error on its field."""
    rendered = RenderedTexts(memo=texts_memo())
    for name, limit in rules:
        text = getattr(fields, name) or ""
        text_format = getattr(fields, f"{name}_format")
        rendered.html[name] = ""
        if len(text) > limit or text_format not in TextFormat.values:
            continue
        try:
            text_check(text, text_format=text_format)
        except TextTooComplex as error:
            rendered.errors.setdefault(name, []).extend(error.messages)
            continue
        render_ahead(rendered.memo, [(text, text_format)])
        with texts_ahead(rendered.memo):
            rendered.html[name] = render_user_text(text, text_format=text_format)
    return rendered


def content_check_for_posting(html: str, errors: Errors) -> None:
    if len(strip_html(html).strip()) < CONTENT_MIN_LENGTH:
        errors.setdefault("content", []).append(
            f"Chapter text must be at least {CONTENT_MIN_LENGTH} characters long before "
            "it is posted."
        )
