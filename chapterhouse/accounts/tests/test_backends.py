"""The signed-in user is read with her preferences in one query, and nothing
about her is kept between requests: a deactivated user or a new password
signs her out on the very next request, whichever backend her session names."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import BACKEND_SESSION_KEY
from django.test import Client

from chapterhouse.accounts.backends import ModelBackend
from chapterhouse.accounts.models import Preference, Theme
from chapterhouse.accounts.selectors import preference_for
from chapterhouse.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_PATHS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "chapterhouse.accounts.backends.ModelBackend",
]


def signed_in(client) -> bool:
    page = BeautifulSoup(client.get("/").content, "html.parser")
    return "logged-in" in page.body["class"]


def test_the_user_comes_with_her_preferences_in_one_query(django_assert_num_queries):
    member = UserFactory(username="plover_prefs")
    Preference.objects.filter(user=member).update(theme=Theme.DARK, hide_warnings=True)
    with django_assert_num_queries(1):
        user = ModelBackend().get_user(member.pk)
        preference = preference_for(user)
    assert (preference.theme, preference.hide_warnings) == (Theme.DARK, True)


def test_a_user_without_a_preference_row_has_none():
    member = UserFactory(username="plover_bare")
    Preference.objects.filter(user=member).delete()
    assert preference_for(ModelBackend().get_user(member.pk)) is None


@pytest.mark.parametrize("path", OLD_PATHS)
def test_sessions_of_every_backend_path_sign_in_and_read_preferences(path):
    member = UserFactory(username="plover_theme")
    Preference.objects.filter(user=member).update(theme=Theme.DARK)
    client = Client()
    client.force_login(member, backend=path)
    page = BeautifulSoup(client.get("/").content, "html.parser")
    assert "logged-in" in page.body["class"]
    assert page.html["data-theme"] == Theme.DARK
    # The session keeps the path it was made with.
    assert client.session[BACKEND_SESSION_KEY] == path


@pytest.mark.parametrize("path", OLD_PATHS)
def test_a_deactivated_user_is_signed_out_at_once(path):
    member = UserFactory(username="plover_banned")
    client = Client()
    client.force_login(member, backend=path)
    assert signed_in(client)
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert not signed_in(client)


@pytest.mark.parametrize("path", OLD_PATHS)
def test_a_new_password_signs_other_sessions_out_at_once(path):
    member = UserFactory(username="plover_password")
    client = Client()
    client.force_login(member, backend=path)
    assert signed_in(client)
    member.set_password("a whole new lighthouse phrase")
    member.save()
    assert not signed_in(client)
