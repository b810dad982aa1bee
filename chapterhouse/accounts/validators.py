"""Rules for user names and pseud names, as AO3 has them."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

USERNAME_MAX_LENGTH = 40
PSEUD_NAME_MAX_LENGTH = 40

#: Path segments under /users/ that belong to the site, never to a person.
RESERVED_USERNAMES = frozenset(
    {
        "login", "logout", "signup", "inactive", "reauthenticate", "email", "confirm-email",
        "password", "settings", "preferences", "new", "edit", "admin", "orphan_account",
        "anonymous", "theme", "delete", "search", "me", "api", "static", "media", "2fa",
    }
)

username_validator = RegexValidator(
    regex=r"^[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?$",
    message=(
        "User names may contain only letters, numbers and underscores, "
        "and must begin and end with a letter or number."
    ),
    code="invalid_username",
)


def reserved_username_validator(value: str) -> None:
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            "%(value)s is reserved by the archive; please choose another user name.",
            params={"value": value},
            code="reserved_username",
        )


USERNAME_VALIDATORS = [username_validator, reserved_username_validator]

_PSEUD_RE = re.compile(r"^[\w \-]+$")


def pseud_name_validator(value: str) -> None:
    if not _PSEUD_RE.match(value):
        raise ValidationError(
            "Pseuds may contain only letters, numbers, spaces, underscores and hyphens.",
            code="invalid_pseud",
        )
    if not re.search(r"[^\W_]", value):
        raise ValidationError(
            "Pseuds must contain at least one letter or number.", code="invalid_pseud"
        )
