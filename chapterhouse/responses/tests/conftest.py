"""Fixtures for the responses tests: a creator with a posted one-shot, a
reader, and clients logged in as each. Feature tests add their own fixtures
in their own modules."""

import pytest
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.tests.factories import WorkFactory


@pytest.fixture
def creator(db):
    return UserFactory(username="wren_writer")


@pytest.fixture
def reader(db):
    return UserFactory(username="ashby_reader")


@pytest.fixture
def work(creator):
    return WorkFactory(creator=creator, title="The Salt Road")


def _logged_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def creator_client(creator):
    return _logged_in(creator)


@pytest.fixture
def reader_client(reader):
    return _logged_in(reader)


@pytest.fixture
def logged_in():
    """``logged_in(user)`` → a new test client signed in as ``user``."""
    return _logged_in
