"""Admin pages need a role's permission and a two-factor log-in, through
allauth's real log-in, two-factor and confirmation pages; Django's /admin/
asks the same. Then the permission matrix: every role against every admin page."""

import sys
import time
import types

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from bs4 import BeautifulSoup
from django.contrib import admin
from django.core.cache import cache
from django.test import Client
from django.urls import Resolver404, path, resolve

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.moderation.django_admin import admin_site_secure
from chapterhouse.moderation.tests.helpers import signed_in_client as signed_in

pytestmark = pytest.mark.django_db

ROLES_PAGE = "/moderation/roles"


def code_for(secret: str) -> str:
    """The code an authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def with_authenticator(user) -> str:
    """Turn on two-factor log-in for ``user`` as allauth's set-up page does; the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def next_code(secret: str) -> str:
    """A code for a second use: allauth refuses one code twice within its 30
    seconds, which the cache remembers; forget that, as if the next window came."""
    cache.clear()
    return code_for(secret)


def log_in(client: Client, user, secret: str | None = None):
    """Log in through /users/login/, and the two-factor step when she has one."""
    response = client.post("/users/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    if secret is None:
        return response
    assert response["Location"] == "/users/2fa/authenticate/"
    done = client.post("/users/2fa/authenticate/", {"code": code_for(secret)})
    assert done.status_code == 302
    return done


# Two-factor for the site's admin pages -------------------------------------------


def test_admin_logged_in_with_password_and_code_opens_admin_page(make_admin):
    boss = make_admin("ines_admin")
    secret = with_authenticator(boss)
    client = Client()
    log_in(client, boss, secret)
    page = client.get(ROLES_PAGE)
    assert page.status_code == 200
    assert BeautifulSoup(page.content, "html.parser").select_one("h2.heading").text == "Roles"


def test_password_only_session_is_sent_to_confirm_code_and_comes_back(make_admin):
    boss = make_admin("ines_admin")
    client = Client()
    # She logged in before turning on two-factor log-in: a password-only session.
    log_in(client, boss)
    secret = with_authenticator(boss)

    sent = client.get(f"{ROLES_PAGE}?tab=all")
    assert sent.status_code == 302
    assert sent["Location"] == "/users/2fa/reauthenticate/?next=/moderation/roles%3Ftab%3Dall"

    form = client.get(sent["Location"])
    assert form.status_code == 200
    wrong = client.post(sent["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    back = client.post(sent["Location"], {"code": code_for(secret)})
    assert back.status_code == 302
    assert back["Location"] == "/moderation/roles?tab=all"
    assert client.get(back["Location"]).status_code == 200


def test_admin_without_authenticator_is_told_to_set_one_up(make_admin):
    boss = make_admin("ines_admin")
    client = Client()
    log_in(client, boss)
    page = client.get(ROLES_PAGE)
    assert page.status_code == 403
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Two-factor log-in needed" in soup.select_one("h2.heading").text
    assert soup.select_one("a#mfa_setup")["href"] == "/users/2fa/totp/activate/"
    assert soup.select_one("table.staff") is None


def test_form_posted_without_second_factor_is_refused_and_changes_nothing(make_admin):
    boss = make_admin("ines_admin")
    with_authenticator(boss)
    helper = UserFactory(username="teodor")
    client = Client()
    client.force_login(boss, backend="django.contrib.auth.backends.ModelBackend")
    refused = client.post(ROLES_PAGE, {"username": "teodor", "role": "support",
                                       "change": "grant"})
    assert refused.status_code == 403
    assert BeautifulSoup(refused.content, "html.parser").select_one("a#mfa_confirm")
    helper.refresh_from_db()
    assert not helper.is_staff
    assert not helper.groups.exists()


def test_second_factor_stays_for_the_session_but_not_past_log_out(make_admin):
    boss = make_admin("ines_admin")
    secret = with_authenticator(boss)
    client = Client()
    log_in(client, boss, secret)
    assert client.get(ROLES_PAGE).status_code == 200
    assert client.get("/moderation/audit").status_code == 200
    client.post("/users/logout/")
    log_in(client, boss)  # the code step is now left half-done
    assert client.get(ROLES_PAGE).status_code == 302
    assert client.get(ROLES_PAGE)["Location"].startswith("/users/login?")
    cache.clear()
    log_in(Client(), boss, secret)  # a fresh log-in elsewhere does not help this one
    assert client.get(ROLES_PAGE)["Location"].startswith("/users/login?")


def test_recovery_code_counts_as_second_factor(make_admin):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    boss = make_admin("ines_admin")
    with_authenticator(boss)
    recovery = RecoveryCodes.activate(boss).get_unused_codes()[0]
    client = Client()
    assert client.post("/users/login/", {"login": boss.username, "password": PASSWORD}
                       )["Location"] == "/users/2fa/authenticate/"
    assert client.post("/users/2fa/authenticate/", {"code": recovery}).status_code == 302
    assert client.get(ROLES_PAGE).status_code == 200


def test_admin_second_factor_can_be_switched_off_for_development(make_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    boss = make_admin("ines_admin")
    client = Client()
    log_in(client, boss)
    assert client.get(ROLES_PAGE).status_code == 200


# Django's own /admin/ ---------------------------------------------------------


@pytest.fixture
def secured_admin(settings):
    """/admin/ as chapterhouse/urls.py sets it up, for one test: the site object
    is secured (a no-op when it already is) and its URLs are built afresh, since
    the log-in URL holds the view it was built with; both are put back after."""
    from chapterhouse import urls as site_urls

    admin.site.name  # noqa: B018 - the lazy site is made on first use
    real = admin.site._wrapped
    names = ("has_permission", "login", "two_factor_secured")
    saved = {name: real.__dict__[name] for name in names if name in real.__dict__}
    admin_site_secure(admin.site)
    urlconf = types.ModuleType("chapterhouse_secured_admin_urls")
    urlconf.urlpatterns = [
        path("admin/", admin.site.urls) if str(entry.pattern) == "admin/" else entry
        for entry in site_urls.urlpatterns
    ]
    sys.modules[urlconf.__name__] = urlconf
    settings.ROOT_URLCONF = urlconf.__name__
    yield admin.site
    for name in names:
        real.__dict__.pop(name, None)
    real.__dict__.update(saved)
    del sys.modules[urlconf.__name__]


def test_staff_without_second_factor_cannot_open_django_admin(secured_admin, make_admin):
    boss = make_admin("ines_admin")
    client = Client()
    log_in(client, boss)
    first = client.get("/admin/")
    assert first.status_code == 302
    assert first["Location"].startswith("/admin/login/")
    # The admin's log-in page does not offer its own form: it says to set one up.
    page = client.get(first["Location"])
    assert page.status_code == 403
    assert BeautifulSoup(page.content, "html.parser").select_one("a#mfa_setup")
    assert client.get("/admin/accounts/user/").status_code == 302


def test_staff_with_authenticator_confirms_code_then_opens_django_admin(secured_admin,
                                                                        make_admin):
    boss = make_admin("ines_admin")
    boss.is_superuser = True  # the accounts' admin pages are the site owner's
    boss.save()
    client = Client()
    log_in(client, boss)
    secret = with_authenticator(boss)
    to_login = client.get("/admin/accounts/user/")
    to_confirm = client.get(to_login["Location"])
    assert to_confirm.status_code == 302
    assert to_confirm["Location"] == (
        "/users/2fa/reauthenticate/?next=/admin/accounts/user/"
    )
    back = client.post(to_confirm["Location"], {"code": code_for(secret)})
    assert back["Location"] == "/admin/accounts/user/"
    assert "ines_admin" in client.get("/admin/accounts/user/").content.decode()


def test_staff_logged_in_with_code_opens_django_admin(secured_admin, make_admin):
    boss = make_admin("ines_admin")
    secret = with_authenticator(boss)
    client = Client()
    log_in(client, boss, secret)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_guest_and_ordinary_user_are_kept_out_of_django_admin(secured_admin, user):
    guest = Client().get("/admin/login/?next=/admin/")
    assert guest.status_code == 302
    assert guest["Location"].startswith("/users/login?return_to=/admin/")
    secret = with_authenticator(user)
    client = Client()
    log_in(client, user, secret)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_same_code_cannot_be_used_twice(make_admin):
    boss = make_admin("ines_admin")
    client = Client()
    log_in(client, boss)
    secret = with_authenticator(boss)
    code = code_for(secret)
    assert client.post("/users/2fa/reauthenticate/", {"code": code}).status_code == 302
    other = Client()
    other.post("/users/login/", {"login": boss.username, "password": PASSWORD})
    assert other.post("/users/2fa/authenticate/", {"code": code}).status_code == 200
    assert other.post("/users/2fa/authenticate/",
                      {"code": next_code(secret)}).status_code == 302
    assert other.get(ROLES_PAGE).status_code == 200
    assert Authenticator.objects.filter(user=boss).count() == 1


# The permission matrix ----------------------------------------------------------

OK, NO, LOGIN = 200, 403, "login"
WHO = ("superadmin", "policy_abuse", "support", "wrangler", "user", "guest")

#: page → what each of WHO gets. Add a row when an admin page is added.
MATRIX = {
    "/moderation":         (OK, OK, OK, NO, NO, LOGIN),
    "/moderation/reports": (OK, OK, NO, NO, NO, LOGIN),
    "/moderation/users":   (OK, OK, OK, NO, NO, LOGIN),
    "/moderation/news":    (OK, NO, OK, NO, NO, LOGIN),
    "/moderation/site":    (OK, OK, NO, NO, NO, LOGIN),
    "/moderation/roles":   (OK, NO, NO, NO, NO, LOGIN),
    "/moderation/audit":   (OK, NO, NO, NO, NO, LOGIN),
}
CASES = [(path, who, expected[i]) for path, expected in MATRIX.items()
         for i, who in enumerate(WHO)]


def page_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True



@pytest.mark.parametrize(("path", "who", "expected"), CASES)
def test_permission_matrix(path, who, expected, make_admin):
    if not page_exists(path):
        pytest.skip(f"{path} is not built")
    if who == "guest":
        client = Client()
    elif who == "user":
        client = signed_in(UserFactory(username="plain_reader"))
    else:
        client = signed_in(make_admin(f"{who}_admin", role=who))
    response = client.get(path)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/users/login?return_to=")
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("path", list(MATRIX))
def test_every_admin_page_needs_second_factor(path, make_admin):
    if not page_exists(path):
        pytest.skip(f"{path} is not built")
    boss = make_admin("ines_admin")
    response = signed_in(boss, mfa=False).get(path)
    assert response.status_code == 403
    assert "Two-factor log-in needed" in response.content.decode()


def test_form_posted_without_second_factor_comes_back_to_the_page_it_was_on(make_admin):
    boss = make_admin("ines_admin")
    with_authenticator(boss)
    client = signed_in(boss, mfa=False)
    refused = client.post("/moderation/roles", {"username": "x", "role": "support",
                                                "change": "grant"},
                          HTTP_REFERER="http://testserver/moderation/roles?from=list")
    link = BeautifulSoup(refused.content, "html.parser").select_one("a#mfa_confirm")["href"]
    assert link == "/users/2fa/reauthenticate/?next=/moderation/roles%3Ffrom%3Dlist"
    elsewhere = client.post("/moderation/roles", {}, HTTP_REFERER="https://evil.example/x")
    link = BeautifulSoup(elsewhere.content, "html.parser").select_one("a#mfa_confirm")["href"]
    assert link == "/users/2fa/reauthenticate/?next=/"
