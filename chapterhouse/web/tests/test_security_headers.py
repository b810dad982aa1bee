"""Security headers (docs/security-headers.md): the Content-Security-Policy on
every kind of answer, pages that keep to it, ``Cache-Control: private`` for
signed-in people only, and the CSRF token in the query string only at AO3's
log-in address."""

import base64
import hashlib

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.moderation.tests.helpers import signed_in_client
from chapterhouse.tags.page_selectors import tag_path
from chapterhouse.works.services import skins as skin_services
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

FANDOM = "Lighthouse Keepers"
SKIN_CSS = "p { color: red }\n.note { font-style: italic }"


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on a {response.status_code} answer"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict(response) -> dict[str, list[str]]:
    found = policy(response)
    assert found["default-src"] == ["'self'"]
    assert found["script-src"] == ["'self'"]
    assert found["style-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in found["style-src"][1:])
    assert found["object-src"] == ["'none'"]
    assert found["base-uri"] == ["'none'"]
    assert found["frame-ancestors"] == ["'none'"]
    assert found["form-action"] == ["'self'"]
    assert set(found["img-src"]) == {"'self'", "https:", "http:", "data:"}
    return found


# The policy on every kind of answer --------------------------------------


@pytest.fixture
def work(db):
    return WorkFactory(title="Salt and Signal", fandom=FANDOM)


def test_a_page_carries_the_policy(client, work):
    assert_strict(client.get("/"))
    assert_strict(client.get(f"/works/{work.pk}"))


def test_an_error_page_carries_the_policy(client):
    response = client.get("/works/999999")
    assert response.status_code == 404
    assert_strict(response)
    client.raise_request_exception = False
    refused = client.get("/tags/a%00b")  # answered by a middleware, before any view
    assert refused.status_code == 400
    assert_strict(refused)


def test_an_api_answer_carries_the_policy(client, work):
    response = client.get("/api/v1/works")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert_strict(response)
    assert_strict(client.get("/api/v1/no-such-thing"))


def test_a_download_and_a_feed_carry_the_policy(client, work):
    download = client.get(f"/downloads/{work.pk}/Salt_and_Signal.epub")
    assert download.status_code == 200 and download["Content-Type"] == "application/epub+zip"
    assert_strict(download)
    feed = client.get(tag_path(FANDOM, "/feed.atom"))
    assert feed.status_code == 200 and "atom" in feed["Content-Type"]
    assert_strict(feed)
    assert_strict(client.get("/opds"))


def test_the_header_is_the_same_for_every_guest_page(client, work):
    """A cacheable page gives one header: no nonce, directives in a fixed order."""
    first = client.get(f"/works/{work.pk}")["Content-Security-Policy"]
    assert first == Client().get(f"/works/{work.pk}")["Content-Security-Policy"]
    assert first.startswith("default-src 'self'; script-src 'self'; style-src 'self'; img-src ")


# A work skin is allowed by its hash, and only on its page -----------------


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_a_work_skin_is_allowed_by_the_hash_of_its_style_element(client):
    owner = UserFactory(username="skin_owner")
    skin = skin_services.skin_create(user=owner, title="Letters", css=SKIN_CSS)[0]
    work = WorkFactory(creator=owner, skin=skin)
    response = client.get(f"/works/{work.pk}")
    style = BeautifulSoup(response.content, "html.parser").select_one("head style")
    assert "#workskin p" in style.string
    assert policy(response)["style-src"] == ["'self'", _hash(style.string)]
    # Hidden at the reader's request: no style element, nothing extra allowed.
    plain = client.get(f"/works/{work.pk}?style=disable")
    assert policy(plain)["style-src"] == ["'self'"]


# Pages that keep to the policy --------------------------------------------


#: Script types that are data, not code: the policy does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "xlink:href")


def breaches(response) -> list[str]:
    """What on this page the policy would refuse, as readable strings."""
    found = policy(response)
    allowed_styles = set(found["style-src"][1:])
    nonces = {source for source in found["script-src"] if source.startswith("'nonce-")}
    soup = BeautifulSoup(response.content, "html.parser")
    problems = []
    for script in soup.find_all("script"):
        if script.get("src") or script.get("type", "").lower() in DATA_SCRIPT_TYPES:
            continue
        if f"'nonce-{script.get('nonce')}'" not in nonces:
            problems.append(f"inline script: {str(script)[:80]}")
    for style in soup.find_all("style"):
        if _hash(style.string or "") not in allowed_styles:
            problems.append(f"inline style element: {str(style)[:80]}")
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on"):
                problems.append(f"{name} on <{element.name}>")
            elif name.lower() == "style":
                problems.append(f"style attribute on <{element.name}>: {value[:60]}")
            elif name.lower() in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                problems.append(f"javascript: URL in {name} of <{element.name}>")
    return problems


@pytest.fixture
def archive(db):
    """A writer with a skinned work, kudos and comments; an admin."""
    writer = UserFactory(username="nell_writer")
    skin = skin_services.skin_create(user=writer, title="Letters", css=SKIN_CSS)[0]
    work = WorkFactory(creator=writer, skin=skin, title="Salt and Signal", fandom=FANDOM)
    return {"writer": writer, "work": work}


def crawl_pages(archive) -> list[tuple[Client, str]]:
    writer, work = archive["writer"], archive["work"]
    guest = Client()
    writing = signed_in_client(writer)
    reader = UserFactory(username="orla_reads")
    reading = signed_in_client(reader)
    reading.post(f"/works/{work.pk}/comments", {"comment[comment_content]": "Lovely."})
    # The token page as it shows a new key, once.
    reading.post(f"/users/{reader.username}/api_tokens", {"name": "Reader", "scopes": ["read"]})
    token_create(user=reader, name="Old", scopes=["read"])
    # Setting up an authenticator asks for the password again first.
    reading.post("/users/reauthenticate/", {"password": PASSWORD})
    admin = UserFactory(username="archivist", is_staff=True, is_superuser=True)
    admin_client = signed_in_client(admin)
    return [
        (guest, "/"),
        (guest, f"/works/{work.pk}"),
        (reading, f"/works/{work.pk}"),
        (writing, f"/works/{work.pk}"),
        (guest, f"/works/{work.pk}?show_comments=true"),
        (writing, "/works/new"),
        (writing, f"/works/{work.pk}/edit"),
        (writing, f"/works/{work.pk}/chapters/new"),
        (writing, "/works/import"),
        (writing, "/skins/new"),
        (reading, f"/users/{reader.username}/api_tokens"),
        (reading, f"/users/{reader.username}/api_tokens"),
        (guest, "/works/search?work_search%5Bquery%5D=salt"),
        (guest, tag_path(FANDOM)),
        (guest, tag_path(FANDOM, "/works")),
        (guest, f"/users/{writer.username}"),
        (writing, f"/users/{writer.username}/stats"),
        (writing, f"/users/{writer.username}/preferences"),
        (reading, f"/users/{reader.username}/bookmarks"),
        (guest, "/users/login/"),
        (guest, "/users/login"),
        (guest, "/users/signup/"),
        (writing, "/users/reauthenticate/"),
        (reading, "/users/2fa/totp/activate/"),
        (guest, "/works/999999"),
        (guest, "/api/v1/docs"),
        (admin_client, "/moderation"),
        (admin_client, "/admin/"),
        (admin_client, "/admin/accounts/user/"),
        (admin_client, f"/admin/accounts/user/{writer.pk}/change/"),
    ]


def test_no_page_holds_what_the_policy_refuses(archive):
    problems, seen = {}, []
    for client, path in crawl_pages(archive):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert response["Content-Type"].startswith("text/html"), path
        seen.append(BeautifulSoup(response.content, "html.parser"))
        found = breaches(response)
        if found:
            problems[path] = found
    assert problems == {}
    # The crawl saw the pages with something to check on them: a skin, a new
    # token's field, the authenticator's QR code, an admin form, a chart.
    for selector in ["head style", "#new_token_key", "img.qr", "form#user_form", "svg.chart"]:
        assert any(page.select_one(selector) for page in seen), selector


def test_breaches_finds_what_it_looks_for(client, work):
    """The check itself catches each kind of thing the policy refuses."""
    page = client.get(f"/works/{work.pk}")
    page.content = (
        b'<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
        b'<a href=" JavaScript:x()">x</a><script type="application/json">{}</script>'
    )
    assert len(breaches(page)) == 5


# Cache-Control: private for signed-in people only -------------------------


def test_a_signed_in_page_is_private_and_a_guest_page_is_not(work, user_client):
    signed_in = user_client.get(f"/works/{work.pk}")
    assert signed_in.status_code == 200
    directives = {part.strip() for part in signed_in["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= directives
    guest = Client().get(f"/works/{work.pk}")
    assert guest.status_code == 200
    assert "private" not in guest.get("Cache-Control", "")


def test_a_view_chosen_lifetime_stays_but_public_goes_for_a_signed_in_person(user_client):
    guest = Client().get("/autocomplete/tags?term=li")
    assert guest["Cache-Control"] == "public, max-age=60"
    signed_in = user_client.get("/autocomplete/tags?term=li")
    directives = {part.strip() for part in signed_in["Cache-Control"].split(",")}
    assert directives == {"private", "max-age=60"}


def test_a_download_is_public_for_a_guest_and_private_for_a_signed_in_reader(work, user_client):
    address = f"/downloads/{work.pk}/Salt_and_Signal.epub"
    assert Client().get(address)["Cache-Control"] == "public, no-cache"
    signed_in = user_client.get(address)["Cache-Control"]
    assert {part.strip() for part in signed_in.split(",")} == {"private", "no-cache"}


def test_an_api_answer_to_a_token_is_private(client, work, user):
    _, key = token_create(user=user, name="Reader", scopes=["read"])
    response = client.get("/api/v1/works", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
