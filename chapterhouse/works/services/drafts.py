"""Text that has not been saved yet: autosaves, failed posts, expired sessions.

Two places keep it:

- ``EditDraft`` rows (user + form key) for a known writer: the autosave
  endpoint, every POST to an edit form (stored before the save runs, removed
  after it succeeds), "Save Draft" on a posted work, and CSRF failures.
- The session, for a writer whose session had expired: the POSTed fields wait
  there while they log in again (Django keeps an anonymous session's data
  across log-in), and the form takes them back once.

Form keys: ``work:new``, ``work:ID``, ``chapter:new:WORKID``, ``chapter:ID``.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict

from chapterhouse.accounts.models import User

from ..models import Chapter, EditDraft, Work
from ..selectors.visibility import is_creator

KEY_PATTERN = re.compile(r"work:new|work:(\d+)|chapter:new:(\d+)|chapter:(\d+)")
#: Fields never kept: the CSRF token and the buttons.
SKIPPED_FIELDS = frozenset(
    {"csrfmiddlewaretoken", "_draft_key", "save_button", "preview_button", "post_button",
     "update_button", "apply_draft"}
)
#: How much one form may keep (a long chapter plus its notes fits easily).
MAX_DRAFT_CHARACTERS = 2_000_000
SESSION_PREFIX = "chapterhouse.stash:"


def draft_key_check(*, user, key: str) -> None:
    """Raises unless ``key`` names a form ``user`` may fill."""
    match = KEY_PATTERN.fullmatch(key or "")
    if match is None:
        raise ValidationError("This form cannot be saved here.")
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Please log in.")
    work_id = match.group(1) or match.group(2)
    if match.group(3):
        chapter = Chapter.objects.filter(pk=int(match.group(3))).select_related("work").first()
        work = chapter.work if chapter else None
    elif work_id:
        work = Work.objects.filter(pk=int(work_id)).first()
    else:
        return
    if work is None or not is_creator(user, work):
        raise PermissionDenied("Only the work's creators may save text for it.")


def _storable(text: str) -> str:
    return text.replace("\x00", "")


def form_data_of(post: QueryDict) -> dict[str, list[str]]:
    """The POSTed fields worth keeping, as a JSON-able dict of lists. NUL
    characters are left out: no text may hold one (the form says so), and
    PostgreSQL's JSON cannot store one."""
    data = {
        _storable(name): [_storable(value) for value in post.getlist(name)]
        for name in post if name not in SKIPPED_FIELDS
    }
    size = sum(len(v) for values in data.values() for v in values)
    if size > MAX_DRAFT_CHARACTERS:
        raise ValidationError("This text is too long to keep as a draft.")
    return data


def query_dict_of(data: dict[str, list[str]]) -> QueryDict:
    result = QueryDict(mutable=True)
    for name, values in (data or {}).items():
        result.setlist(name, [str(v) for v in (values if isinstance(values, list) else [values])])
    return result


def edit_draft_save(*, user: User, key: str, data: dict[str, list[str]]) -> EditDraft:
    """Keep ``data`` for ``user``'s form ``key``. Commits on its own, so it
    survives whatever happens to the save that follows."""
    draft_key_check(user=user, key=key)
    with transaction.atomic():
        draft, _ = EditDraft.objects.update_or_create(
            user=user, key=key, defaults={"data": data}
        )
    return draft


def edit_draft_get(*, user, key: str) -> EditDraft | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return EditDraft.objects.filter(user=user, key=key).first()


def edit_draft_discard(*, user, key: str) -> None:
    if getattr(user, "is_authenticated", False):
        EditDraft.objects.filter(user=user, key=key).delete()


def session_stash_put(*, session, key: str, data: dict[str, list[str]]) -> None:
    """Keep a logged-out writer's fields in their session until they log in."""
    session[SESSION_PREFIX + key] = data


def session_stash_pop(*, session, key: str) -> dict[str, list[str]] | None:
    return session.pop(SESSION_PREFIX + key, None)
