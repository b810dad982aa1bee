"""AO3's names for the CSRF token work on our forms; a wrong token still fails."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.responses.models import Bookmark, Comment


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



# Numbers past any id -----------------------------------------------------------------


def _routes(patterns=None, prefix=""):
    """Every route of the site and the API, as (route text, view name)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


HUGE_ID = "9" * 30
#: Words for a route's other parts, so the request reaches the view's work.
WORDS = {"target_type": "work", "action": "dismiss"}


def _with_huge_ids(route: str) -> str:
    import re

    address = re.sub(r"<int:\w+>", HUGE_ID, route)
    return "/" + re.sub(r"<(?:str|slug|path):(\w+)>",
                        lambda m: WORDS.get(m[1], "keeper_admin"), address)


def _numbered_routes() -> list[str]:
    return sorted({_with_huge_ids(route) for route in _routes() if "<int:" in route})


def test_every_numbered_route_is_checked():
    addresses = _numbered_routes()
    assert len(addresses) > 40
    assert "/works/" + HUGE_ID in addresses and "/api/v1/works/" + HUGE_ID in addresses


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_number_past_any_id_is_not_found_on_every_route(db, method):
    """A 30-digit id reached views that stored or listed it (an admin's report
    actions, ids looked up in lists) and failed with 500; now every numbered
    route of the site and the API answers 404 for it, before any view runs."""
    from django.contrib.auth.models import Group

    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.moderation.roles import ROLES, roles_ensure
    from chapterhouse.moderation.tests.helpers import signed_in_client

    roles_ensure()
    admin = UserFactory(username="keeper_admin", is_staff=True)
    admin.groups.add(Group.objects.get(name=ROLES["superadmin"].group))
    client = signed_in_client(admin)
    client.raise_request_exception = False
    answers = {path: getattr(client, method)(path, {"reason": "Spam"}).status_code
               for path in _numbered_routes()}
    assert {path: status for path, status in answers.items() if status != 404} == {}


def test_the_largest_id_is_still_looked_up(client, db):
    assert client.get(f"/works/{2**63 - 1}").status_code == 404
    assert client.get(f"/api/v1/works/{2**63 - 1}").json() == {
        "detail": "We couldn't find that work."
    }


# The CSRF token in the query string: AO3's log-in only --------------------


def test_a_token_only_in_the_query_string_is_refused_on_a_comment(strict_client, work):
    token = _token(strict_client)
    response = strict_client.post(
        f"/works/{work.pk}/comments?authenticity_token={token}",
        {"comment[comment_content]": "Lovely."},
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()
    # The same token in the form is fine.
    accepted = strict_client.post(
        f"/works/{work.pk}/comments",
        {"comment[comment_content]": "Lovely.", "authenticity_token": token},
    )
    assert accepted.status_code == 302 and Comment.objects.count() == 1


def test_a_token_only_in_the_query_string_is_refused_on_a_bookmark(strict_client, work):
    token = _token(strict_client)
    response = strict_client.post(
        f"/works/{work.pk}/bookmarks?authenticity_token={token}",
        {"bookmark[pseud_id]": "", "bookmark[tag_string]": "kept"},
    )
    assert response.status_code == 403
    assert not Bookmark.objects.exists()


def test_a_token_in_the_query_string_logs_in_at_ao3s_address(db):
    member = UserFactory(username="orla_reads")
    client = Client(enforce_csrf_checks=True)
    page = BeautifulSoup(client.get("/users/login").content, "html.parser")
    token = page.select_one("input[name=authenticity_token]")["value"]
    response = client.post(
        f"/users/login?user%5Blogin%5D={member.username}"
        f"&user%5Bpassword%5D={PASSWORD.replace(' ', '+')}&authenticity_token={token}"
    )
    assert response.status_code == 302
    assert "sessionid" in response.cookies
    # Allauth's own log-in page takes its token only in the form.
    other = Client(enforce_csrf_checks=True)
    token = BeautifulSoup(other.get("/users/login/").content, "html.parser").select_one(
        "input[name=authenticity_token]")["value"]
    refused = other.post(f"/users/login/?authenticity_token={token}",
                         {"login": member.username, "password": PASSWORD})
    assert refused.status_code == 403
