"""The tokens settings page: list, make (the key shown once), revoke."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.models import ApiToken
from chapterhouse.api.services import token_create


@pytest.fixture
def owner(db):
    return UserFactory(username="tamsin_tokens")


def test_guest_is_asked_to_log_in(owner):
    answer = Client().get("/users/tamsin_tokens/api_tokens")
    assert answer.status_code == 302
    assert "login" in answer["Location"]


def test_someone_else_may_not_see_the_page(owner, logged_in):
    other = UserFactory(username="nosy_neighbour")
    assert logged_in(other).get("/users/tamsin_tokens/api_tokens").status_code == 403
    token, _ = token_create(user=owner, name="Reader app", scopes=["read"])
    revoke = logged_in(other).post(f"/users/tamsin_tokens/api_tokens/{token.pk}/revoke")
    assert revoke.status_code == 403
    token.refresh_from_db()
    assert token.active


def test_page_lists_tokens_without_their_keys(owner, logged_in):
    token, key = token_create(user=owner, name="Reader app", scopes=["read", "write"])
    page = logged_in(owner).get("/users/tamsin_tokens/api_tokens").content.decode()
    assert "Reader app" in page
    assert token.prefix in page
    assert key not in page
    assert "read, write" in page


def test_making_a_token_shows_the_key_once_and_it_works(owner, logged_in):
    client = logged_in(owner)
    answer = client.post("/users/tamsin_tokens/api_tokens",
                         {"name": "Kindle sync", "scopes": ["write"]}, follow=True)
    assert answer.redirect_chain == [("/users/tamsin_tokens/api_tokens", 302)]
    page = answer.content.decode()
    key = re.search(r'id="new_token_key" type="text" value="(chx_[^"]+)"', page).group(1)
    assert "will not be shown again" in page
    assert answer["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=owner)
    assert token.scopes == ["read", "write"]  # write includes read
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert me.json()["username"] == "tamsin_tokens"
    # Never again: the list shows only its first characters, and reloading
    # the page makes no second token.
    assert key not in client.get("/users/tamsin_tokens/api_tokens").content.decode()
    assert ApiToken.objects.filter(user=owner).count() == 1


def test_a_token_needs_a_name_and_a_scope(owner, logged_in):
    answer = logged_in(owner).post("/users/tamsin_tokens/api_tokens", {"name": " "})
    assert answer.status_code == 400
    assert not ApiToken.objects.exists()
    assert 'class="error"' in answer.content.decode()


def test_revoking_stops_the_token(owner, logged_in):
    token, key = token_create(user=owner, name="Old script", scopes=["read"])
    client = logged_in(owner)
    answer = client.post(f"/users/tamsin_tokens/api_tokens/{token.pk}/revoke")
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "was revoked" in page
    assert "Revoked" in page
    refused = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401
