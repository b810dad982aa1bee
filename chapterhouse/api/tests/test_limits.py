"""Rate limits: per token and per address, 429 with Retry-After, and the
errors' shape; the OpenAPI document and the browsable docs."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create


@pytest.fixture
def small_limits(settings):
    settings.API_RATE_LIMITS = {"token_read": (3, 60), "token_write": (2, 60), "guest": (2, 60)}


def _get(path, key=None, addr="203.0.113.5"):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client(REMOTE_ADDR=addr).get(f"/api/v1{path}", headers=headers)


def test_guests_are_limited_per_address(db, small_limits):
    assert [_get("/works").status_code for _ in range(2)] == [200, 200]
    refused = _get("/works")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert refused.json() == {"detail": f"Too many requests; try again in {wait} seconds."}
    # Another address has its own allowance.
    assert _get("/works", addr="198.51.100.7").status_code == 200


def test_tokens_are_limited_per_token_not_per_address(db, small_limits):
    reader = UserFactory()
    _, key = token_create(user=reader, name="one", scopes=["read"])
    _, other_key = token_create(user=reader, name="two", scopes=["read"])
    assert [_get("/me", key, addr=f"192.0.2.{n}").status_code for n in range(3)] == [200] * 3
    assert _get("/me", key, addr="192.0.2.99").status_code == 429
    assert _get("/me", other_key).status_code == 200
    # A token's calls do not use up the address's guest allowance.
    assert _get("/works", addr="192.0.2.1").status_code == 200


def test_write_calls_count_in_their_own_bucket(db, small_limits):
    from chapterhouse.api.limits import bucket_of

    class Call:
        method = "POST"
        api_token = type("T", (), {"pk": 7})()
        META = {}

    assert bucket_of(Call()) == ("token_write", "token:7")
    Call.method = "GET"
    assert bucket_of(Call()) == ("token_read", "token:7")


def test_errors_answer_with_detail(db):
    assert _get("/works/12345").json() == {"detail": "We couldn't find that work."}
    invalid = Client().get("/api/v1/works", {"page": "zero"})
    assert invalid.status_code == 422
    body = invalid.json()
    assert "page" in body["detail"]
    assert [field for field in body["errors"] if field.endswith("page")]


def test_openapi_document_lists_the_reads(db):
    schema = Client().get("/api/v1/openapi.json").json()
    for path in ("/api/v1/works", "/api/v1/works/{work_id}", "/api/v1/chapters/{chapter_id}",
                 "/api/v1/tags/{name}", "/api/v1/series/{series_id}", "/api/v1/users/{name}",
                 "/api/v1/bookmarks/{bookmark_id}", "/api/v1/me"):
        assert "get" in schema["paths"][path], path
    names = {p["name"] for p in schema["paths"]["/api/v1/works"]["get"]["parameters"]}
    assert {"work_search[query]", "work_search[fandom_names]", "work_search[sort_column]",
            "tag_id", "page"} <= names


def test_browsable_docs_render(db):
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    assert b"openapi.json" in page.content
    # Its scripts come from our own static files (collected from the ninja app),
    # not from a CDN.
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page.content.decode())
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset), asset


def test_an_address_no_operation_matches_answers_json(db):
    for path in ("/api/v1/works/-1", "/api/v1/no-such-thing"):
        answer = Client().get(path)
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/json"
        assert "no API operation" in answer.json()["detail"]
