"""Test helpers other apps' tests use too."""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY


def second_factor_record(client, user) -> None:
    """Make ``client``'s session count as signed in with password and a second
    factor, as allauth records a real two-factor log-in (it hands the records
    out only for the account they were kept for)."""
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
