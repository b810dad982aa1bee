"""The checks other apps' services call before a write, so moderation's
rules reach every door (forms, API, importers) without each app knowing them.

``may_write(user=, action=, address=)`` raises ``WriteRefused`` (a
``ValidationError``, so forms show it above the fields and keep what was
typed, and the API answers 422) with a sentence saying why, and until when:
- a suspended or banned user may not post, comment, leave kudos or bookmark
  (``services/sanctions.py``: ``sanction_check``);
- a guest may not comment or leave kudos when the site has switched that off,
  and nobody at a blocked address may write as a guest (``services/site.py``:
  ``guest_write_check``).

``spam_check(text=)`` raises ``ValidationError`` when a guest's text repeats
what admins marked as spam (``services/content.py``: ``spam_matches``).

Actions: "post" (works and chapters), "comment", "kudos", "bookmark".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

ACTIONS = ("post", "comment", "kudos", "bookmark")


class WriteRefused(ValidationError):
    """Moderation refuses this write; the message says why (and until when)."""

    def __init__(self, message: str):
        super().__init__(message, code="moderation_refused")


def may_write(*, user, action: str, address: str | None = None) -> None:
    from .services import sanctions, site

    if getattr(user, "is_authenticated", False):
        sanctions.sanction_check(user=user, action=action)
    else:
        site.guest_write_check(action=action, address=address)


def spam_check(*, text: str) -> None:
    from .services import content

    if content.spam_matches(text=text):
        raise ValidationError(
            "Your comment looks like spam that was removed from this site, so it was not "
            "posted."
        )
