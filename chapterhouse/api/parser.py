"""Reading a request's JSON body: text the archive cannot keep is refused.

JSON may spell a lone surrogate (``"\\ud800"``), which no UTF-8 text can hold,
and a NUL character (``"\\u0000"``), which PostgreSQL refuses to store. Both
are refused here, once for every operation, before any schema or service
sees the body: the answer is 422 naming the field (see ``app.py``).
"""

from __future__ import annotations

import json

from ninja.parser import Parser


class UnstorableText(ValueError):
    """A string in the body holds a character the archive cannot keep."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _problem(text: str) -> str | None:
    if "\x00" in text:
        return "Text cannot contain the NUL character (\\u0000)."
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return ("Text cannot contain a lone surrogate (\\ud800–\\udfff): "
                "send characters outside the Basic Multilingual Plane as a pair.")
    return None


def unstorable_text(data) -> UnstorableText | None:
    """The first string (key or value) in decoded JSON that holds a NUL or a
    lone surrogate, as ``body.field.0``; walked without recursion."""
    stack: list[tuple[tuple[str, ...], object]] = [(("body",), data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            message = _problem(value)
            if message:
                return UnstorableText(".".join(where), message)
        elif isinstance(value, dict):
            for key, item in value.items():
                message = _problem(key)
                if message:
                    return UnstorableText(".".join(where), message)
                stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, str(i)), item) for i, item in enumerate(value))
    return None


class StrictJsonParser(Parser):
    """ninja's JSON parser, refusing text the archive cannot keep."""

    def parse_body(self, request):
        data = json.loads(request.body)
        problem = unstorable_text(data)
        if problem is not None:
            raise problem
        return data
