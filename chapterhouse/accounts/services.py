"""Writes about people. Every change to an account, pseud, profile or preference
goes through a function here; views and forms only collect input.
"""

from __future__ import annotations

import django.dispatch
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from chapterhouse.works.text import render_user_text

from . import selectors
from .models import Block, Preference, Profile, Pseud, Theme, User, UsernameChange
from .validators import USERNAME_VALIDATORS

#: Sent inside the deleting transaction, before the user row goes. Receivers
#: (works, bookmarks, comments…) orphan or delete what the user made.
#: Arguments: ``user`` and ``works_choice`` ("orphan" or "delete").
account_deleting = django.dispatch.Signal()

#: Sent before a pseud is deleted; receivers move what it made to ``replacement``.
pseud_deleting = django.dispatch.Signal()

WORKS_ORPHAN = "orphan"
WORKS_DELETE = "delete"


# --- accounts -------------------------------------------------------------


@transaction.atomic
def user_setup(*, user: User) -> User:
    """Give a new account what every account has: a default pseud named after
    it, a profile and a preference set. Safe to call twice."""
    if not user.pseuds.exists():
        Pseud.objects.create(user=user, name=user.username, is_default=True)
    Profile.objects.get_or_create(user=user)
    Preference.objects.get_or_create(user=user)
    return user


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    email_verified: bool = True,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create an account directly (demo content, ``createadmin``), bypassing sign-up."""
    from allauth.account.models import EmailAddress

    _validate_new_username(username)
    user = User(username=username, email=email, is_staff=is_staff, is_superuser=is_superuser)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    return user_setup(user=user)


def _validate_new_username(username: str, *, current: User | None = None) -> None:
    for validator in USERNAME_VALIDATORS:
        validator(username)
    clash = User.objects.filter(username__iexact=username)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise ValidationError({"username": "That user name is already taken."})


@transaction.atomic
def username_change(*, user: User, new_username: str, password: str) -> User:
    """Rename an account. Old links keep working: /users/OLD/… redirects."""
    if not user.check_password(password):
        raise ValidationError({"password": "Your password was not correct."})
    new_username = new_username.strip()
    if new_username == user.username:
        raise ValidationError({"username": "That is already your user name."})
    try:
        _validate_new_username(new_username, current=user)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            raise
        raise ValidationError({"username": error.messages}) from error
    old_username = user.username
    UsernameChange.objects.create(user=user, old_username=old_username)
    user.username = new_username
    user.save(update_fields=["username"])
    # The pseud that carried the old user name follows it, as on AO3.
    pseud = user.pseuds.filter(name=old_username).first()
    if pseud and not user.pseuds.filter(name__iexact=new_username).exclude(pk=pseud.pk).exists():
        pseud.name = new_username
        pseud.save(update_fields=["name"])
    return user


@transaction.atomic
def account_delete(*, user: User, password: str, works_choice: str) -> None:
    """Delete an account after checking its password.

    ``works_choice`` says what becomes of the user's works: ``orphan`` keeps
    them under the archive's orphan account, ``delete`` removes them.
    """
    if works_choice not in (WORKS_ORPHAN, WORKS_DELETE):
        raise ValidationError({"works_choice": "Choose what should happen to your works."})
    if not user.check_password(password):
        raise ValidationError({"password": "Your password was not correct."})
    account_deleting.send(sender=User, user=user, works_choice=works_choice)
    icons = [pseud.icon.name for pseud in user.pseuds.all() if pseud.icon]
    user.delete()
    _delete_files_on_commit(icons)


def _delete_files_on_commit(names: list[str]) -> None:
    """Remove uploaded files once the rows that named them are surely gone."""
    from django.core.files.storage import default_storage

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(remove)


# --- pseuds ---------------------------------------------------------------


def _check_owner(*, actor: User, user: User) -> None:
    if actor.pk != user.pk:
        raise PermissionDenied("You can only change your own pseuds.")


def _validate_pseud_name(*, user: User, name: str, current: Pseud | None = None) -> str:
    name = " ".join(name.split())
    clash = user.pseuds.filter(name__iexact=name)
    if current is not None:
        clash = clash.exclude(pk=current.pk)
    if clash.exists():
        raise ValidationError({"name": "You already have a pseud with that name."})
    return name


@transaction.atomic
def pseud_create(
    *,
    actor: User,
    user: User,
    name: str,
    description: str = "",
    description_format: str = "html",
    icon: UploadedFile | None = None,
    icon_alt_text: str = "",
    make_default: bool = False,
) -> Pseud:
    _check_owner(actor=actor, user=user)
    pseud = Pseud(
        user=user,
        name=_validate_pseud_name(user=user, name=name),
        description=render_user_text(description, text_format=description_format),
        icon_alt_text=icon_alt_text.strip(),
    )
    pseud.full_clean(exclude=["icon"])
    pseud.save()
    if icon:
        pseud.icon.save(icon.name, icon, save=True)
    if make_default:
        pseud_set_default(actor=actor, pseud=pseud)
    return pseud


@transaction.atomic
def pseud_update(
    *,
    actor: User,
    pseud: Pseud,
    name: str,
    description: str,
    description_format: str = "html",
    icon: UploadedFile | None = None,
    remove_icon: bool = False,
    icon_alt_text: str = "",
) -> Pseud:
    _check_owner(actor=actor, user=pseud.user)
    pseud.name = _validate_pseud_name(user=pseud.user, name=name, current=pseud)
    pseud.description = render_user_text(description, text_format=description_format)
    pseud.icon_alt_text = icon_alt_text.strip()
    pseud.full_clean(exclude=["icon"])
    if remove_icon and pseud.icon:
        pseud.icon.delete(save=False)
    if icon:
        pseud.icon.save(icon.name, icon, save=False)
    pseud.save()
    return pseud


@transaction.atomic
def pseud_set_default(*, actor: User, pseud: Pseud) -> Pseud:
    _check_owner(actor=actor, user=pseud.user)
    pseud.user.pseuds.exclude(pk=pseud.pk).filter(is_default=True).update(is_default=False)
    pseud.is_default = True
    pseud.save(update_fields=["is_default"])
    return pseud


@transaction.atomic
def pseud_delete(*, actor: User, pseud: Pseud) -> Pseud:
    """Delete a pseud; what it made moves to the user's default pseud.

    Returns the pseud that takes over. A user's last pseud, and the default
    one, cannot be deleted.
    """
    _check_owner(actor=actor, user=pseud.user)
    others = pseud.user.pseuds.exclude(pk=pseud.pk)
    if not others.exists():
        raise ValidationError("You cannot delete your only pseud.")
    if pseud.is_default:
        raise ValidationError(
            "You cannot delete your default pseud; make another one the default first."
        )
    replacement = selectors.default_pseud(pseud.user)
    pseud_deleting.send(sender=Pseud, pseud=pseud, replacement=replacement)
    icon = pseud.icon.name if pseud.icon else None
    pseud.delete()
    _delete_files_on_commit([icon] if icon else [])
    return replacement


# --- profile and preferences ---------------------------------------------


@transaction.atomic
def profile_update(
    *, actor: User, user: User, title: str, location: str, about: str, about_format: str = "html"
) -> Profile:
    _check_owner(actor=actor, user=user)
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.title = title.strip()
    profile.location = location.strip()
    profile.about = render_user_text(about, text_format=about_format)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def preferences_update(*, actor: User, user: User, values: dict) -> Preference:
    _check_owner(actor=actor, user=user)
    preference, _ = Preference.objects.get_or_create(user=user)
    editable = {field.name for field in Preference._meta.get_fields()} - {"id", "user"}
    for name, value in values.items():
        if name not in editable:
            raise ValueError(f"{name} is not a preference")
        setattr(preference, name, value)
    preference.full_clean()
    preference.save()
    return preference


def theme_set(*, user: User, theme: str) -> None:
    """Remember a signed-in user's theme; guests keep theirs in a cookie."""
    if theme not in Theme.values:
        raise ValidationError("Unknown theme.")
    Preference.objects.update_or_create(user=user, defaults={"theme": theme})


# --- blocks ----------------------------------------------------------------

#: The most users one account may block (as AO3).
BLOCK_LIMIT = 2000


def block_check(*, blocker: User, blocked: User) -> None:
    """Raise the reason ``blocker`` may not block ``blocked``, if there is one."""
    if not getattr(blocker, "is_authenticated", False):
        raise PermissionDenied("Please log in to block someone.")
    if blocked.pk == blocker.pk:
        raise ValidationError("You can't block yourself.")
    if blocked.is_staff or blocked.is_superuser:
        raise ValidationError(
            f"You can't block {blocked.username}: the archive's administrators can't be blocked."
        )


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> Block:
    """``blocker`` blocks ``blocked``; blocking someone already blocked changes nothing.

    A blocked user may no longer comment on the blocker's works, reply to her
    comments, leave kudos on her works, give her gifts or invite her to
    co-create a work. Their pending co-creator invitations to her are withdrawn
    now; gifts they gave before stay until she refuses them.
    """
    block_check(blocker=blocker, blocked=blocked)
    # One block at a time per blocker, so two at once can't pass the limit.
    User.objects.select_for_update().filter(pk=blocker.pk).first()
    existing = Block.objects.filter(blocker=blocker, blocked=blocked).first()
    if existing is not None:
        return existing
    if Block.objects.filter(blocker=blocker).count() >= BLOCK_LIMIT:
        raise ValidationError(
            f"You have blocked {BLOCK_LIMIT:,} users, the most you can. "
            "Unblock someone before you block anyone else."
        )
    block, _ = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    from chapterhouse.works.services.creators import creatorship_invitations_withdraw

    creatorship_invitations_withdraw(inviter=blocked, invitee=blocker)
    return block


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> bool:
    """Unblock. Returns whether there was a block to remove."""
    deleted, _ = Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).delete()
    return bool(deleted)
