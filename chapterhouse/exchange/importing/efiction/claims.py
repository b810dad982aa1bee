"""Placeholder accounts for an imported archive's authors, and claiming them.

An imported author gets an account at once, so her works are credited to
her: a ``User`` with an unusable password (nobody can log in as it), a
default pseud carrying her pen name, and a ``PlaceholderAccount`` keeping the
address the old archive had. That address is not verified and not on the
account.

To claim it she asks for a link at ``/claim`` with that address. We mail a
signed link that expires after ``CLAIM_MAX_AGE`` to each unclaimed
placeholder with the address, and say the same thing whether or not one
matched. Following the link she chooses a user name and a password; the
account becomes a normal one with the address verified, and ``claimed_at``
is set, so the link cannot be used twice.
"""

from __future__ import annotations

import re
import unicodedata

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts.models import Pseud, User, UsernameChange
from chapterhouse.accounts.services import user_setup
from chapterhouse.accounts.validators import (
    PSEUD_NAME_MAX_LENGTH,
    RESERVED_USERNAMES,
    USERNAME_MAX_LENGTH,
    USERNAME_VALIDATORS,
)

from ...models import ImportJob, PlaceholderAccount

CLAIM_SALT = "chapterhouse.exchange.claim"
#: How long a claim link works, in seconds (three days).
CLAIM_MAX_AGE = 3 * 24 * 3600

INVALID_LINK = (
    "This claim link is not valid. Ask for a new one on the claim page."
)
EXPIRED_LINK = (
    "This claim link has expired. Ask for a new one on the claim page."
)
USED_LINK = (
    "This account has already been claimed. Log in with the user name and password "
    "chosen then, or reset the password from the log-in page."
)


# --- making placeholders ----------------------------------------------------------


def username_from(penname: str, *, fallback: str) -> str:
    """A valid user name close to ``penname``: accents dropped, other
    characters turned into underscores, trimmed to the length limit. Not yet
    checked for uniqueness (``username_unique`` does that)."""
    ascii_name = unicodedata.normalize("NFKD", penname).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9]+", "_", ascii_name).strip("_")
    name = name[: USERNAME_MAX_LENGTH - 4].strip("_")
    if len(name) < 3:
        name = fallback
    if name.lower() in RESERVED_USERNAMES:
        name = f"{name}_1"
    return name


def username_unique(base: str) -> str:
    """``base``, or ``base_2``, ``base_3``… whichever no account has yet."""
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        suffix = f"_{number}"
        candidate = base[: USERNAME_MAX_LENGTH - len(suffix)] + suffix
    return candidate


def pseud_name_from(penname: str, *, fallback: str) -> str:
    """The pen name as a pseud: pseuds allow letters, numbers, spaces,
    underscores and hyphens, so anything else becomes a space."""
    name = " ".join(re.sub(r"[^\w \-]+", " ", penname).split())[:PSEUD_NAME_MAX_LENGTH].strip()
    return name if re.search(r"[^\W_]", name) else fallback


@transaction.atomic
def placeholder_create(
    *, archive: str, original_id: str, penname: str, email: str = "",
    job: ImportJob | None = None,
) -> PlaceholderAccount:
    """An account nobody can log in to yet, for the author ``penname``."""
    username = username_unique(username_from(penname, fallback=f"author_{original_id}"))
    user = User(username=username, email="")
    user.set_unusable_password()
    user.save()
    Pseud.objects.create(
        user=user, name=pseud_name_from(penname, fallback=username), is_default=True
    )
    user_setup(user=user)
    return PlaceholderAccount.objects.create(
        user=user, email=(email or "").strip()[:254], archive=archive,
        original_id=str(original_id), original_name=penname[:200], job=job,
    )


# --- asking for a claim link ----------------------------------------------------


def claim_token(placeholder: PlaceholderAccount) -> str:
    return signing.dumps({"p": placeholder.pk}, salt=CLAIM_SALT, compress=True)


def claim_url(placeholder: PlaceholderAccount) -> str:
    return f"{settings.SITE_URL}/claim/{claim_token(placeholder)}"


def claimable_for(email: str):
    email = (email or "").strip()
    if not email:
        return PlaceholderAccount.objects.none()
    return PlaceholderAccount.objects.filter(
        email__iexact=email, claimed_at__isnull=True, user__is_active=True
    ).select_related("user").order_by("pk")


def claim_request(*, email: str) -> int:
    """Queue the claim mail for ``email`` when an unclaimed placeholder has
    it. Returns how many accounts it names (the page must not say)."""
    ids = list(claimable_for(email).values_list("pk", flat=True))
    if ids:
        # Queued now, in whatever transaction is open: the task row is in the
        # same database, so it commits (or rolls back) with the request.
        _queue_claim_mail(email.strip(), ids)
    return len(ids)


def _queue_claim_mail(email: str, ids: list[int]) -> None:
    from .tasks import claim_mail_send_task

    claim_mail_send_task.enqueue(email, ids)


def claim_mail_send(*, email: str, placeholder_ids: list[int]) -> int:
    """Send one mail to ``email`` with a claim link for each of the
    placeholders still unclaimed. Returns how many links it sent."""
    placeholders = [
        p for p in claimable_for(email).filter(pk__in=placeholder_ids)
    ]
    if not placeholders:
        return 0
    lines = [
        "Hello,",
        "",
        f"Someone (we hope you) asked to claim the works imported to {settings.SITE_NAME} "
        "from an archive that had this address.",
        "",
    ]
    for placeholder in placeholders:
        lines += [
            f"{placeholder.original_name} (from {placeholder.archive}):",
            claim_url(placeholder),
            "",
        ]
    days = CLAIM_MAX_AGE // (24 * 3600)
    lines += [
        f"Follow a link to choose your user name and password. The links work for {days} "
        "days and only once.",
        "",
        "If you did not ask for this, you can ignore this mail; nothing changes.",
    ]
    send_mail(
        subject=f"[{settings.SITE_NAME}] Claim your imported works",
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    return len(placeholders)


# --- following the link ---------------------------------------------------------


def claim_read(token: str) -> PlaceholderAccount:
    """The placeholder a claim link stands for; ``ValidationError`` with the
    reason when it is not ours, has expired, or was used."""
    try:
        data = signing.loads(token, salt=CLAIM_SALT, max_age=CLAIM_MAX_AGE)
        placeholder = PlaceholderAccount.objects.select_related("user").get(pk=int(data["p"]))
    except signing.SignatureExpired as error:
        raise ValidationError(EXPIRED_LINK, code="expired") from error
    except (signing.BadSignature, KeyError, TypeError, ValueError,
            PlaceholderAccount.DoesNotExist) as error:
        raise ValidationError(INVALID_LINK, code="invalid") from error
    if placeholder.claimed_at is not None or not placeholder.user.is_active:
        raise ValidationError(USED_LINK, code="used")
    return placeholder


@transaction.atomic
def claim_complete(*, token: str, username: str, password: str) -> User:
    """Turn the placeholder into her account: the chosen user name and
    password, the archive's address verified and primary, ``claimed_at`` set."""
    placeholder = claim_read(token)
    placeholder = PlaceholderAccount.objects.select_for_update().get(pk=placeholder.pk)
    if placeholder.claimed_at is not None:
        raise ValidationError(USED_LINK, code="used")
    user = User.objects.select_for_update().get(pk=placeholder.user_id)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    try:
        for validator in USERNAME_VALIDATORS:
            validator(username)
        if len(username) < 3 or len(username) > USERNAME_MAX_LENGTH:
            raise ValidationError(
                f"User names must be 3 to {USERNAME_MAX_LENGTH} characters long."
            )
        if User.objects.filter(username__iexact=username).exclude(pk=user.pk).exists():
            raise ValidationError("That user name is already taken.")
    except ValidationError as error:
        errors["username"] = error.messages
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password1"] = error.messages
    email = placeholder.email
    if email and EmailAddress.objects.filter(email__iexact=email).exclude(user=user).exists():
        errors.setdefault("__all__", []).append(
            f"{email} already belongs to another account here. Log in to that account, "
            "or ask the archive's admins to move these works to it."
        )
    if errors:
        raise ValidationError(errors)

    if username != user.username:
        UsernameChange.objects.create(user=user, old_username=user.username)
        user.username = username
    user.set_password(password)
    user.email = email
    user.save()
    if email:
        EmailAddress.objects.filter(user=user).update(primary=False)
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
        address.primary = address.verified = True
        address.save(update_fields=["primary", "verified"])
    placeholder.claimed_at = timezone.now()
    placeholder.save(update_fields=["claimed_at"])
    return user
