"""Logging in the way AO3's tools do: a token from /token_dispenser.json or the
log-in page, then AO3's field names posted to /users/login, in the body or in
the query string (tests/wire runs the real tools against a live server)."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def member(db):
    return UserFactory(username="tern_member")


def signed_in_as(client) -> str | None:
    page = BeautifulSoup(client.get("/users/tern_member").content, "html.parser")
    return "logged-in" in page.body["class"]


def test_token_dispenser_gives_a_token_and_its_cookie(browser):
    response = browser.get("/token_dispenser.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    token = response.json()["token"]
    assert len(token) >= 32
    assert "csrftoken" in response.cookies
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_login_page_at_ao3s_address_carries_an_authenticity_token(browser):
    response = browser.get("/users/login")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("div#main")["class"][0] == "sessions-new"
    token = page.select_one("form#new_user input[name=authenticity_token]")["value"]
    assert token


def test_ao3_fields_in_the_body_log_in_with_302(browser, member, password):
    token = browser.get("/token_dispenser.json").json()["token"]
    response = browser.post("/users/login", {
        "user[login]": member.username,
        "user[password]": password,
        "user[remember_me]": "1",
        "commit": "Log in",
        "authenticity_token": token,
    })
    assert response.status_code == 302
    assert "sessionid" in response.cookies
    assert signed_in_as(browser)
    # "Remember me" keeps the session past the browser's closing.
    assert response.cookies["sessionid"]["max-age"]


def test_ao3_fields_in_the_query_string_log_in_with_302(browser, member, password):
    page = BeautifulSoup(browser.get("/users/login").content, "html.parser")
    token = page.select_one("input[name=authenticity_token]")["value"]
    query = (
        f"user%5Blogin%5D={member.username}&user%5Bpassword%5D={password.replace(' ', '+')}"
        f"&authenticity_token={token}"
    )
    response = browser.post(f"/users/login?{query}")
    assert response.status_code == 302
    assert signed_in_as(browser)
    # Without remember_me the session ends with the browser.
    assert not response.cookies["sessionid"]["max-age"]


def test_a_wrong_password_never_answers_302(browser, member):
    token = browser.get("/token_dispenser.json").json()["token"]
    response = browser.post("/users/login", {
        "user[login]": member.username, "user[password]": "wrong", "authenticity_token": token,
    })
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    assert page.select_one("form#new_user")
    assert page.select_one('form#new_user input[name="user[login]"]')["value"] == member.username
    assert not signed_in_as(browser)


def test_without_a_token_the_login_is_refused(browser, member, password):
    response = browser.post("/users/login", {
        "user[login]": member.username, "user[password]": password,
    })
    assert response.status_code == 403
    assert not signed_in_as(browser)


def test_the_site_form_names_still_work_and_win(browser, member, password):
    token = browser.get("/token_dispenser.json").json()["token"]
    response = browser.post("/users/login", {
        "login": member.username, "password": password,
        "user[login]": "somebody_else", "authenticity_token": token,
    })
    assert response.status_code == 302
    assert signed_in_as(browser)


def form_fields(form) -> dict[str, str]:
    """What a tool posts: each named input of the form with its value, the
    last one winning for a repeated name (as a Rails form sends it)."""
    fields: dict[str, str] = {}
    for field in form.select("input[name]"):
        if field.get("type") == "checkbox" and not field.has_attr("checked"):
            continue
        fields[field["name"]] = field.get("value", "")
    return fields


def test_the_login_form_is_ao3s_and_posting_its_fields_logs_in(browser, member, password):
    page = BeautifulSoup(browser.get("/users/login").content, "html.parser")
    form = page.select_one("form#new_user")
    assert form["action"] == "/users/login" and form["method"] == "post"
    remember = [(i["type"], i["value"]) for i in form.select('input[name="user[remember_me]"]')]
    assert remember == [("hidden", "0"), ("checkbox", "1")]
    assert form.select_one('input[name="commit"]')["value"] == "Log in"
    fields = form_fields(form)
    assert {"user[login]", "user[password]", "authenticity_token"} <= set(fields)
    fields.update({"user[login]": member.username, "user[password]": password})
    fields["user[remember_me]"] = "1"
    response = browser.post(form["action"], fields)
    assert response.status_code == 302
    assert signed_in_as(browser)
    # "Remember me" keeps the session past the browser's closing.
    assert response.cookies["sessionid"]["max-age"]


def test_a_page_that_needs_an_account_sends_a_guest_to_log_in_and_back(browser, member, password):
    response = browser.get(f"/users/{member.username}/stats")
    assert response.status_code == 302
    assert response["Location"] == f"/users/login?return_to=/users/{member.username}/stats"
    page = BeautifulSoup(browser.get(response["Location"]).content, "html.parser")
    flash = page.select_one("div#main div.flash.error")
    assert flash.get_text() == (
        "Sorry, you don't have permission to access the page you were trying to reach."
        " Please log in."
    )
    # Above the form, as on AO3.
    assert flash.find_next("form")["id"] == "new_user"
    fields = form_fields(page.select_one("form#new_user"))
    fields.update({"user[login]": member.username, "user[password]": password})
    back = browser.post("/users/login", fields)
    assert back.status_code == 302
    assert back["Location"] == f"/users/{member.username}/stats"


def test_the_plain_log_in_page_shows_no_refusal(browser):
    page = BeautifulSoup(browser.get("/users/login").content, "html.parser")
    assert page.select_one("div.flash.error") is None
    assert "only available to registered users" not in page.get_text()


@pytest.mark.parametrize("elsewhere", ["//evil.example/x", "https://evil.example/", "javascript:x"])
def test_return_to_never_leads_off_the_site(browser, member, password, elsewhere):
    page = BeautifulSoup(
        browser.get("/users/login", {"return_to": elsewhere}).content, "html.parser"
    )
    fields = form_fields(page.select_one("form#new_user"))
    fields.update({"user[login]": member.username, "user[password]": password})
    response = browser.post("/users/login?return_to=" + elsewhere, fields)
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith("//")
