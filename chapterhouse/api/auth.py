"""Who is calling the API: a personal access token, or a guest.

``Authorization: Bearer chx_…`` names a token (``services.token_create``
makes them). A token that is unknown, revoked or whose account is inactive
is refused with 401 — never quietly treated as a guest. With no
``Authorization`` header the caller is a guest and sees what a guest sees
on the site. The site's session cookie is ignored: the API's identity is
the token alone, so a page's cookies can never write through the API.

Read operations use ``READ_AUTH`` (token or guest), writes ``WRITE_AUTH``
and then ``require_scope(request, "write")``.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer

from .models import ApiToken

TOKEN_PREFIX = "chx_"
_TOUCH_EVERY = timedelta(minutes=1)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token.strip()), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            raise HttpError(401, "This token is not valid: it is unknown or was revoked.")
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > _TOUCH_EVERY:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        request.api_token = found
        return found


class WriteTokenAuth(TokenAuth):
    """A token with the write scope. Checked before the request body is read, so
    a read-only token is refused with 403 whatever it sends."""

    def authenticate(self, request, token: str):
        found = super().authenticate(request, token)
        if not found.allows("write"):
            raise HttpError(403, "This token does not have the 'write' scope.")
        return found


def guest_auth(request):
    """No Authorization header: a guest (the session cookie counts for nothing)."""
    if request.headers.get("Authorization"):
        return None
    request.user = AnonymousUser()
    request.api_token = None
    return "guest"


token_auth = TokenAuth()
READ_AUTH = [token_auth, guest_auth]
WRITE_AUTH = [WriteTokenAuth()]


def viewer_of(request):
    """The user the API call acts as: the token's owner, or AnonymousUser."""
    return getattr(request, "user", None) or AnonymousUser()


def require_scope(request, scope: str) -> None:
    token = getattr(request, "api_token", None)
    if token is None:
        raise HttpError(401, "Please send a personal access token: Authorization: Bearer TOKEN.")
    if not token.allows(scope):
        raise HttpError(403, f"This token does not have the {scope!r} scope.")
