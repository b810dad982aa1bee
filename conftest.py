"""Fixtures shared by the whole suite."""

import pytest
from django.test import Client

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.works.tests.factories import WorkFactory


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(username="rowan_test")


@pytest.fixture
def other_user(db):
    return UserFactory(username="mireille_test")


@pytest.fixture
def user_client(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# A creator with a posted one-shot, a reader, and clients logged in as each.

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


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    """Hashing a password the production way takes a good part of a second
    and tests make thousands of users; what tests check is that the right
    password works and a wrong one does not, which any hasher shows."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches and no rate-limit counts. What is
    kept in the database (the default cache and the counts without Redis)
    goes with the test's own rollback; the rest is cleared here."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    from chapterhouse.responses.services.hits import beacon_limiter
    from chapterhouse.web import ratelimit
    from chapterhouse.web.caches import html_cache

    def clear() -> None:
        for cache in caches.all():
            if not isinstance(cache, DatabaseCache):
                cache.clear()
        html_cache.clear()
        beacon_limiter.clear()
        if not ratelimit.hits_in_database():
            ratelimit.rate_limits_clear()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so serve static files without a manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }



@pytest.fixture(autouse=True)
def _fresh_search_index(settings, tmp_path_factory):
    """The search index is derived from the database, which each test rolls
    back: every test gets an index of its own, built on first use."""
    from chapterhouse.discovery.engine.index import reset_index

    settings.CHAPTERHOUSE_SEARCH_DIR = tmp_path_factory.mktemp("search")
    settings.CHAPTERHOUSE_SEARCH_FREEZE_GC = False  # a full collection per index: slow
    reset_index()
    yield
    reset_index()
