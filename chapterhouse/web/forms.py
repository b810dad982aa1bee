"""Form helpers every app's views share."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it is about; messages
    about no field of this form go at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def posted_next(request, fallback: str) -> str:
    """Where to go after a POST: the form's ``next`` field when it points at
    this site, else ``fallback``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


#: The largest id any row can have: ids and the columns that point at rows are
#: 64-bit signed integers.
MAX_ID = 2**63 - 1


def as_int(value) -> int | None:
    """A form or query value as an int, or None when it isn't one or is past
    what a 64-bit column holds (so no id, and never sent to the database)."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if abs(number) <= MAX_ID else None
