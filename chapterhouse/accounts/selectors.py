"""Reads about people."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models.functions import Lower

from .models import Block, Preference, Pseud, Theme, User, UsernameChange


def user_by_name(username: str) -> User | None:
    """The account with this name (any letter case), if there is one."""
    return (
        User.objects.filter(username__iexact=username, is_active=True)
        .select_related("profile")
        .first()
    )


def user_renamed_from(username: str) -> User | None:
    """The account that used to be called ``username``, unless someone has the name now."""
    if User.objects.filter(username__iexact=username).exists():
        return None
    change = (
        UsernameChange.objects.filter(old_username__iexact=username)
        .select_related("user")
        .order_by("-changed_at")
        .first()
    )
    return change.user if change else None


def pseuds_of(user: User) -> list[Pseud]:
    return list(user.pseuds.all())


def pseud_by_name(user: User, name: str) -> Pseud | None:
    return user.pseuds.filter(name__iexact=name).first()


def default_pseud(user: User) -> Pseud:
    pseud = user.pseuds.filter(is_default=True).first()
    return pseud or user.pseuds.order_by("created_at").first()


def preference_for(user) -> Preference | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.preference
    except Preference.DoesNotExist:
        return None


def theme_for(request) -> str:
    """The theme a page is drawn in: the signed-in user's choice, else the
    guest's cookie, else whatever the device prefers."""
    preference = preference_for(request.user)
    if preference is not None:
        return preference.theme
    theme = request.COOKIES.get("theme", Theme.SYSTEM)
    return theme if theme in Theme.values else Theme.SYSTEM


def is_blocked(*, blocker, blocked) -> bool:
    """Has ``blocker`` blocked ``blocked``? Guests and anonymous parties are never blocked."""
    blocker_id = getattr(blocker, "pk", blocker)
    blocked_id = getattr(blocked, "pk", blocked)
    if not blocker_id or not blocked_id or blocker_id == blocked_id:
        return False
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


def blocked_by_any(*, users, blocked) -> bool:
    """Has any of ``users`` (ids or users; e.g. a work's creators) blocked ``blocked``?"""
    blocked_id = getattr(blocked, "pk", blocked)
    ids = [getattr(u, "pk", u) for u in users]
    ids = [pk for pk in ids if pk and pk != blocked_id]
    if not blocked_id or not ids:
        return False
    return Block.objects.filter(blocker_id__in=ids, blocked_id=blocked_id).exists()



def has_blocked_any(*, blocker, users) -> bool:
    """Has ``blocker`` blocked any of ``users`` (ids or users; e.g. a work's creators)?
    The other side of ``blocked_by_any``: may these people give her a gift?"""
    blocker_id = getattr(blocker, "pk", blocker)
    ids = [getattr(u, "pk", u) for u in users]
    ids = [pk for pk in ids if pk and pk != blocker_id]
    if not blocker_id or not ids:
        return False
    return Block.objects.filter(blocker_id=blocker_id, blocked_id__in=ids).exists()


def blocks_of(user: User) -> list[Block]:
    """The users ``user`` has blocked, by name, for her blocked-users page."""
    return list(
        Block.objects.filter(blocker=user).select_related("blocked")
        .order_by(Lower("blocked__username"))
    )


def block_between(*, blocker, blocked) -> Block | None:
    blocker_id = getattr(blocker, "pk", blocker)
    blocked_id = getattr(blocked, "pk", blocked)
    if not blocker_id or not blocked_id:
        return None
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).first()


def block_by_id(*, blocker, block_id: int) -> Block | None:
    """One of ``blocker``'s own blocks (None for anyone else's)."""
    return Block.objects.filter(pk=block_id, blocker_id=blocker.pk).select_related(
        "blocked"
    ).first()


@dataclass
class BlockState:
    """What the Block/Unblock button on someone's page offers the viewer."""

    shown: bool
    block: Block | None = None


def block_state(*, viewer, person: User) -> BlockState:
    """Offer Block or Unblock on ``person``'s pages: to signed-in viewers other
    than ``person``, and never for the archive's administrators."""
    if not getattr(viewer, "is_authenticated", False) or viewer.pk == person.pk:
        return BlockState(shown=False)
    block = block_between(blocker=viewer, blocked=person)
    if block is None and (person.is_staff or person.is_superuser):
        return BlockState(shown=False)
    return BlockState(shown=True, block=block)
