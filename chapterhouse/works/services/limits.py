"""Checks shared by the work and chapter forms' services: lengths, text
formats, rendering the texts before a transaction opens, and the minimum text a
chapter needs before it is posted."""

from __future__ import annotations

from ..text import TextFormat, TextTooComplex, render_user_text, strip_html

#: AO3 asks for at least this much text in a chapter before posting it.
CONTENT_MIN_LENGTH = 10

Errors = dict[str, list[str]]


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


def texts_render(fields, rules: list[tuple[str, int]], errors: Errors) -> dict[str, str]:
    """The sanitised HTML of each text field in ``rules`` (field name, length limit).

    Call it before the transaction opens: sanitising a long text takes time, and
    holding a write lock meanwhile would make every other writer wait. A field over its
    length limit or in an unknown format is not rendered (its own check reports it); a
    text the pipeline refuses (too deeply nested) is an error on its field."""
    rendered: dict[str, str] = {}
    for name, limit in rules:
        text = getattr(fields, name) or ""
        text_format = getattr(fields, f"{name}_format")
        rendered[name] = ""
        if len(text) > limit or text_format not in TextFormat.values:
            continue
        try:
            rendered[name] = render_user_text(text, text_format=text_format)
        except TextTooComplex as error:
            errors.setdefault(name, []).extend(error.messages)
    return rendered


def content_check_for_posting(html: str, errors: Errors) -> None:
    if len(strip_html(html).strip()) < CONTENT_MIN_LENGTH:
        errors.setdefault("content", []).append(
            f"Chapter text must be at least {CONTENT_MIN_LENGTH} characters long before "
            "it is posted."
        )
