"""Making and revoking personal access tokens."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from .auth import TOKEN_PREFIX, token_hash
from .models import ApiToken, TokenScope

MAX_TOKENS = 20


def token_create(*, user, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns the row and the key, which is shown
    to the user this once and never stored."""
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Please name the token, e.g. the app you will use it in."]
    elif len(name) > 100:
        errors["name"] = ["Token names can be at most 100 characters."]
    chosen = [s for s in TokenScope.values if s in set(scopes or [])]
    if TokenScope.WRITE in chosen and TokenScope.READ not in chosen:
        chosen.insert(0, TokenScope.READ)
    if not chosen:
        errors["scopes"] = ["Please choose at least one scope."]
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= MAX_TOKENS:
        errors.setdefault("name", []).append(
            f"You already have {MAX_TOKENS} tokens; revoke one you no longer use first."
        )
    if errors:
        raise ValidationError(errors)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6],
        key_hash=token_hash(key), scopes=chosen,
    )
    return token, key


def token_revoke(*, user, token: ApiToken) -> ApiToken:
    if token.user_id != getattr(user, "pk", None):
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
