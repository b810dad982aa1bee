"""A reader's mutes, as the listings, searches, feeds and notifications need them.

``mutes_of(viewer)`` answers with two sets of ids in two small queries and
keeps the answer on the user object, so one request asks the database once
however many listings, counts and buttons it draws. The services that change
mutes drop the kept answer (``mutes_forget``).

- ``user_ids``: works by these users are left out, unless the work is
  anonymous (leaving it out would tell the reader who wrote it).
- ``tag_ids``: works whose effective filter tags include one of these are left
  out. A mute is kept on the tag the reader chose; a synonym counts as its
  canonical here, so a mute keeps working after wrangling makes its tag a
  synonym. Effective filter tags hold every metatag above a work's tags, so a
  muted metatag also hides works of its subtags.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from .models import TagMute, UserMute

#: Where ``mutes_of`` keeps its answer on the user object.
_KEPT = "_discovery_mutes"


@dataclass(frozen=True)
class Mutes:
    user_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.tag_ids)

    def hides(
        self, *, creator_user_ids: Iterable[int], filter_tag_ids: Iterable[int], anonymous: bool
    ) -> bool:
        """True when a work with these creators and effective filter tags is muted."""
        if not anonymous and self.user_ids.intersection(creator_user_ids):
            return True
        return bool(self.tag_ids.intersection(filter_tag_ids))


NO_MUTES = Mutes()


def mutes_of(viewer) -> Mutes:
    """The users and tags ``viewer`` has muted; nothing for a guest."""
    if not getattr(viewer, "is_authenticated", False):
        return NO_MUTES
    kept = getattr(viewer, _KEPT, None)
    if kept is not None:
        return kept
    user_ids = frozenset(
        UserMute.objects.filter(user_id=viewer.pk).values_list("muted_id", flat=True)
    )
    tag_ids = frozenset(
        merger_id or tag_id
        for tag_id, merger_id in TagMute.objects.filter(user_id=viewer.pk).values_list(
            "tag_id", "tag__merger_id"
        )
    )
    mutes = Mutes(user_ids=user_ids, tag_ids=tag_ids)
    setattr(viewer, _KEPT, mutes)
    return mutes


def mutes_forget(viewer) -> None:
    """Drop the answer kept on ``viewer``; the next ``mutes_of`` asks again."""
    if getattr(viewer, "is_authenticated", False):
        with suppress(AttributeError):
            delattr(viewer, _KEPT)
