"""The site frame: layout, themes, health and error pages."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import override_settings
from django.urls import path

from chapterhouse.accounts.models import Preference

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_home_page_has_the_frame_for_guests(client):
    response = client.get("/")
    page = soup(response)
    assert page.body["class"] == ["logged-out"]
    # One copy serves every guest (web/httpcache.py): no token of hers in it;
    # her forms fetch one when sent.
    assert page.select_one("meta[name=csrf-token]")["content"] == ""
    assert "csrftoken" not in response.cookies
    assert page.select_one("#header h1.heading").get_text(strip=True) == "Chapterhouse"
    assert page.select_one('form#search input[name="work_search[query]"]') is not None
    assert page.select_one('a[href="/users/login/"]').get_text() == "Log In"
    assert page.select_one("#footer form.theme-switch") is not None
    assert page.html["data-theme"] == "system"


def test_home_page_shows_the_signed_in_user(user_client, user):
    page = soup(user_client.get("/"))
    assert page.body["class"] == ["logged-in"]
    greeting = page.select_one("#greeting li.greeting").get_text(" ", strip=True)
    assert user.username in greeting
    assert page.select_one('a[href="/users/logout"]') is not None


def test_guest_theme_is_kept_in_a_cookie(client):
    response = client.post("/theme", {"theme": "dark", "next": "/users/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/users/login/"
    assert soup(client.get("/")).html["data-theme"] == "dark"


def test_signed_in_theme_is_remembered_on_the_account(user_client, user, client):
    user_client.post("/theme", {"theme": "dark"})
    assert Preference.objects.get(user=user).theme == "dark"
    # A new browser session for the same user gets the same theme.
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert soup(client.get("/")).html["data-theme"] == "dark"


def test_theme_switch_never_redirects_off_site(client):
    response = client.post("/theme", {"theme": "light", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_theme_switch_needs_csrf(user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/theme", {"theme": "dark"}).status_code == 403


def test_health_reports_the_database(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": connection.vendor, "redis": "off",
                               "replica": "off"}


def test_a_page_whose_database_is_away_is_503_in_the_frame(client, monkeypatch):
    from django.db import OperationalError

    def away(**kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    monkeypatch.setattr("chapterhouse.web.views.recent_works", away)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10" and response["Cache-Control"] == "no-store"
    page = soup(response)
    assert page.select_one("#footer") is not None
    assert "Connection refused" not in response.content.decode()


def test_the_database_away_page_gives_back_at_most_its_bound(rf):
    from chapterhouse.web import views

    long_text = "x" * (views.KEPT_CHARS_MAX + 10)
    request = rf.post("/works/1/comments", {"comment[comment_content]": long_text,
                                            "password": "secret"})
    response = views.database_unavailable(request)
    page = soup(response)
    box = page.select_one("textarea[readonly]")
    assert len(box.get_text()) == views.KEPT_CHARS_MAX
    assert "secret" not in response.content.decode()
    assert page.select_one("#unavailable_repost input[type=submit]") is None  # cut: not resent


def test_health_is_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("chapterhouse.web.views.connection.cursor", broken)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_missing_page_is_404_inside_the_frame(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = soup(response)
    assert page.select_one("div#main")["class"] == ["error-404", "region"]
    assert page.select_one("h2.heading").get_text() == "Error 404"
    assert page.select_one("#footer") is not None


def _explode(request):
    raise RuntimeError("boom")


urlpatterns = [path("explode", _explode)]
handler500 = "chapterhouse.web.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_page_is_friendly(client):
    client.raise_request_exception = False
    response = client.get("/explode")
    assert response.status_code == 500
    page = soup(response)
    assert page.select_one("h2.heading").get_text() == "Error 500"
    assert "Nothing you saved has been lost" in page.get_text()
    assert "boom" not in response.content.decode()


def test_rate_limited_sign_up_says_when_to_try_again(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"signup": "1/m/ip"}
    form = {"username": "first_one", "email": "a@example.org",
            "password1": "a quiet lantern in the rain", "password2": "a quiet lantern in the rain"}
    assert client.post("/users/signup/", form).status_code == 302
    client.logout()
    again = client.post("/users/signup/", {**form, "username": "second", "email": "b@example.org"})
    assert again.status_code == 429
    assert int(again["Retry-After"]) > 0
    page = soup(again)
    assert page.select_one("h2.heading").get_text() == "Too Many Requests"
    assert f"try again in {again['Retry-After']} seconds" in page.get_text()


def test_request_for_an_unknown_host_gets_the_400_page(client):
    """A bad Host header fails before any user is known; the page still draws."""
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="elsewhere.invalid")
    assert response.status_code == 400
    assert soup(response).select_one("h2.heading").get_text() == "Error 400"
