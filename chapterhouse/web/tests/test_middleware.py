"""AO3's names for the CSRF token work on our forms; a wrong token still fails."""

import pytest
from django.test import Client


@pytest.fixture
def strict_client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _token(client) -> str:
    client.get("/")
    return client.cookies["csrftoken"].value


def test_authenticity_token_field_passes_the_csrf_check(strict_client):
    token = _token(strict_client)
    response = strict_client.post("/theme", {"theme": "dark", "authenticity_token": token})
    assert response.status_code in (200, 302)


def test_x_csrf_token_header_passes_the_csrf_check(strict_client):
    token = _token(strict_client)
    response = strict_client.post("/theme", {"theme": "dark"}, HTTP_X_CSRF_TOKEN=token)
    assert response.status_code in (200, 302)


def test_a_wrong_authenticity_token_is_refused(strict_client):
    _token(strict_client)
    response = strict_client.post("/theme", {"theme": "dark", "authenticity_token": "x" * 64})
    assert response.status_code == 403


NUL_ADDRESSES = [
    "/users/a%00b", "/users/a%00b/pseuds/x%00/works", "/tags/a%00b", "/tags/a%00b/works",
    "/works?tag_id=a%00b", "/works/search?work_search%5Bfandom_names%5D=a%00b",
    "/works/search?q%00=x", "/opds/fandoms/a%00b",
]


@pytest.mark.parametrize("path", NUL_ADDRESSES)
def test_an_address_holding_a_nul_is_a_bad_request(client, path):
    """PostgreSQL cannot even compare a NUL, so these pages used to fail with 500."""
    client.raise_request_exception = False
    answer = client.get(path)
    assert answer.status_code == 400
    assert "Error 400" in answer.content.decode()

