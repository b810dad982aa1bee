"""Checks shared by the work and chapter forms' services: lengths, text
formats, and the minimum text a chapter needs before it is posted."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ..text import TextFormat, strip_html

#: AO3 asks for at least this much text in a chapter before posting it.
CONTENT_MIN_LENGTH = 10

#: The largest count a work's number columns hold (PostgreSQL's ``integer``).
COUNT_MAX = 2_147_483_647

#: How far ahead a chapter may be scheduled.
SCHEDULE_MAX_YEARS = 100

Errors = dict[str, list[str]]


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


def content_check_for_posting(html: str, errors: Errors) -> None:
    if len(strip_html(html).strip()) < CONTENT_MIN_LENGTH:
        errors.setdefault("content", []).append(
            f"Chapter text must be at least {CONTENT_MIN_LENGTH} characters long before "
            "it is posted."
        )
