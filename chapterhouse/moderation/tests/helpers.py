"""Test helpers other apps' tests use too."""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from django.test import Client


def second_factor_record(client, user, *, mfa: bool = True) -> None:
    """Make ``client``'s session count as signed in with a password and (with
    ``mfa``) a second factor, as allauth records a real log-in (it hands the
    records out only for the account they were kept for)."""
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.username},
        *([{"method": "mfa", "at": now, "type": "totp"}] if mfa else []),
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def signed_in_client(user, *, mfa: bool = True) -> Client:
    """A client signed in as ``user``; with ``mfa`` its session counts as a
    two-factor log-in (test_access.py goes through the real one)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    second_factor_record(client, user, mfa=mfa)
    return client
