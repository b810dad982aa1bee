"""``GET /me``: who the token belongs to, and what it may do."""

from __future__ import annotations

from ninja import Router

from ..auth import token_auth
from ..schemas import READ_ERRORS, MeOut, token_out, user_url

PREFIX = "/me"
router = Router(tags=["me"])


@router.get("", response={200: MeOut, **READ_ERRORS}, auth=token_auth,
            summary="The token's owner and scopes")
def me(request):
    user = request.user
    return {
        "username": user.username,
        "url": user_url(user.username),
        "token": token_out(request.api_token),
    }
