"""Fixtures shared by the whole suite."""

import pytest

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests do not run collectstatic, so serve static files without a manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fixed_tags_after_flush(request):
    """A transactional test empties every table when it ends, the fixed tags
    that migrations made included; put them back for each transactional test."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from chapterhouse.tags.fixed import ensure_fixed_tags

        ensure_fixed_tags()
