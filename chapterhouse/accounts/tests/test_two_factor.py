"""Two-factor log-in with an authenticator app, from set-up to logging in."""

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from bs4 import BeautifulSoup

from .factories import PASSWORD

pytestmark = pytest.mark.django_db


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(client, user):
    response = client.post("/users/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def activate(client) -> str:
    # Turning on two-factor log-in asks for the password again first.
    first = client.get("/users/2fa/totp/activate/")
    assert first.status_code == 302
    assert first["Location"].startswith("/users/reauthenticate/")
    confirmed = client.post(first["Location"], {"password": PASSWORD})
    assert confirmed["Location"] == "/users/2fa/totp/activate/"
    page = BeautifulSoup(client.get("/users/2fa/totp/activate/").content, "html.parser")
    secret = page.select_one("#authenticator_secret").get_text(strip=True)
    assert page.select_one("img.qr")["src"].startswith("data:image/svg+xml")
    wrong = client.post("/users/2fa/totp/activate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert BeautifulSoup(wrong.content, "html.parser").select("p.error")
    right = client.post("/users/2fa/totp/activate/", {"code": code_for(secret)})
    assert right.status_code == 302
    return secret


def test_after_activation_log_in_asks_for_a_code(client, user):
    log_in(client, user)
    index = client.get("/users/2fa/")
    assert "not set up" in index.content.decode()
    secret = activate(client)
    assert "is <strong>on</strong>" in client.get("/users/2fa/").content.decode()
    codes_page = client.get("/users/2fa/recovery-codes/").content.decode()
    recovery = re.search(r'<pre id="recovery_codes"[^>]*>(\w+)', codes_page).group(1)

    client.post("/users/logout/")
    step_one = log_in(client, user)
    assert step_one["Location"] == "/users/2fa/authenticate/"
    # Half-way is not logged in.
    home = BeautifulSoup(client.get("/").content, "html.parser")
    assert home.body["class"] == ["logged-out"]
    refused = client.post("/users/2fa/authenticate/", {"code": "123456"})
    assert refused.status_code == 200
    done = client.post("/users/2fa/authenticate/", {"code": code_for(secret)})
    assert done.status_code == 302
    assert BeautifulSoup(client.get("/").content, "html.parser").body["class"] == ["logged-in"]

    # A recovery code works once.
    client.post("/users/logout/")
    log_in(client, user)
    assert client.post("/users/2fa/authenticate/", {"code": recovery}).status_code == 302
    client.post("/users/logout/")
    log_in(client, user)
    assert client.post("/users/2fa/authenticate/", {"code": recovery}).status_code == 200


def test_two_factor_pages_need_a_login(client):
    response = client.get("/users/2fa/")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")


def test_a_code_from_the_step_just_past_still_logs_in(client, user):
    """A code typed as its 30 seconds run out is accepted; one from a minute ago is not."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    if time.time() % 30 > 27:  # let a new step begin, so the test's steps stay put
        time.sleep(30.2 - time.time() % 30)
    step = int(time.time()) // 30
    log_in(client, user)
    stale = format_hotp_value(hotp_value(secret, step - 3))
    assert client.post("/users/2fa/authenticate/", {"code": stale}).status_code == 200
    late = format_hotp_value(hotp_value(secret, step - 1))
    assert client.post("/users/2fa/authenticate/", {"code": late}).status_code == 302
