"""Fixtures for moderation tests: admins with a role, and clients whose
session counts as signed in with a second factor (as after a real two-factor
log-in; the browser journey does the real one)."""

import pytest
from django.contrib.auth.models import Group

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.roles import ROLES, roles_ensure

from .helpers import signed_in_client


@pytest.fixture
def make_admin(db):
    """``make_admin(username, role="superadmin")`` → a staff user with that role."""

    def make(username: str = "archivist", role: str = "superadmin"):
        roles_ensure()
        user = UserFactory(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=ROLES[role].group))
        return user

    return make


@pytest.fixture
def admin_client():
    """``admin_client(user, mfa=True)`` → a client signed in as ``user``; with
    ``mfa`` its session records a second factor, as allauth does."""
    return signed_in_client
