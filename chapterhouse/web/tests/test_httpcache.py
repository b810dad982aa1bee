"""Guest pages one shared copy can serve (web/httpcache.py): no visitor's token
or cookie in them, cache headers, forms that still work without a token in
the page, and the bans the worker sends for outbox events. The same on a real
Varnish: tests/test_http_cache.py."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.responses.models import Kudos
from chapterhouse.web.httpcache import bans_for

pytestmark = pytest.mark.django_db

TOKEN_FIELDS = "input[name=csrfmiddlewaretoken], input[name=authenticity_token]"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_guests_work_page_is_for_every_guest_and_names_its_work(work):
    response = Client().get(f"/works/{work.pk}")
    assert response.status_code == 200
    assert {"public", "max-age=0"} <= directives(response)
    assert any(d.startswith("s-maxage=") for d in directives(response))
    assert not response.cookies
    assert f"w{work.pk}" in response["X-Works"].split(",")
    page = soup(response)
    assert page.select_one("meta[name=csrf-token]")["content"] == ""
    assert page.select("form#new_kudo")  # the form is there, its token left empty
    assert all(not field.get("value") for field in page.select(TOKEN_FIELDS))
    assert page.select_one('script[src*="token"]') is not None


@pytest.mark.parametrize("path", ["/", "/works", "/tags/Lighthouse Keepers/works"])
def test_listings_are_shared_and_marked_as_listings(work, path):
    response = Client().get(path)
    assert "public" in directives(response)
    assert "listing" in response["X-Works"].split(",")
    assert "csrftoken" not in response.cookies


def test_a_page_stays_hers_when_anything_in_it_is_hers(reader_client, work):
    """Shared for a plain guest; private when she is signed in, has a message
    waiting, is given a cookie, or is shown a log-in form that needs a token."""
    from chapterhouse.works.tests.factories import WorkFactory

    assert "public" in directives(Client().get(f"/works/{work.pk}"))

    hers = reader_client.get(f"/works/{work.pk}")
    assert "public" not in directives(hers) and "private" in directives(hers)
    assert "X-Works" not in hers
    assert soup(hers).select_one("meta[name=csrf-token]")["content"]

    with_message = Client()
    with_message.cookies["messages"] = "anything"
    response = with_message.get(f"/works/{work.pk}")
    assert "public" not in directives(response) and "private" in directives(response)

    response = Client().get(f"/works/{work.pk}?view_adult=true")
    assert "view_adult" in response.cookies and "public" not in directives(response)

    restricted = WorkFactory(restricted=True)
    guest = Client()
    sent = guest.get(f"/works/{restricted.pk}")
    assert sent.status_code == 302 and "public" not in directives(sent)
    response = guest.get(sent["Location"])
    token = soup(response).select_one("form#new_user input[name=authenticity_token]")["value"]
    assert token and "csrftoken" in response.cookies
    assert "public" not in directives(response)


def test_kudos_from_a_shared_page_with_a_dispensed_token(work):
    """What web/static/web/token.js does: fetch a token when the form is sent."""
    guest = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.9")
    page = soup(guest.get(f"/works/{work.pk}"))
    fields = {i["name"]: i.get("value", "") for i in page.select("form#new_kudo input[name]")}
    assert fields["csrfmiddlewaretoken"] == ""
    fields["csrfmiddlewaretoken"] = guest.get("/token_dispenser.json").json()["token"]
    response = guest.post("/kudos", fields, HTTP_REFERER=f"http://testserver/works/{work.pk}")
    assert response.status_code == 302
    assert Kudos.objects.filter(work=work, guest_ip="203.0.113.9").exists()


def test_kudos_without_javascript_are_shown_again_and_go_through_on_the_second_click(work):
    guest = Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.10")
    page = soup(guest.get(f"/works/{work.pk}"))
    fields = {i["name"]: i.get("value", "") for i in page.select("form#new_kudo input[name]")}
    refused = guest.post("/kudos", fields, HTTP_REFERER=f"http://testserver/works/{work.pk}")
    assert refused.status_code == 403
    assert not Kudos.objects.filter(work=work).exists()
    again = soup(refused).select_one("form#csrf_repost")
    assert again["action"] == "/kudos"
    kept = {i["name"]: i.get("value", "") for i in again.select("input[type=hidden]")}
    assert kept["csrfmiddlewaretoken"]  # a fresh token of her own
    assert kept["kudo[commentable_id]"] == str(work.pk)
    # A post from another site is refused, and never offered back as hers.
    forged = guest.post("/kudos", fields, HTTP_REFERER="https://elsewhere.example/page")
    assert forged.status_code == 403 and soup(forged).select_one("form#csrf_repost") is None
    response = guest.post("/kudos", kept, HTTP_REFERER="http://testserver/kudos")
    assert response.status_code == 302
    assert Kudos.objects.filter(work=work, guest_ip="203.0.113.10").exists()


def test_a_log_in_without_a_token_asks_for_the_password_again_and_never_shows_it():
    guest = Client(enforce_csrf_checks=True)
    response = guest.post(
        "/users/login",
        {"login": "gull_reader", "password": "a secret phrase", "authenticity_token": ""},
        HTTP_REFERER="http://testserver/works/1",
    )
    assert response.status_code == 403
    assert "a secret phrase" not in response.content.decode()
    form = soup(response).select_one("form#csrf_repost")
    assert form.select_one("input[name=login]")["value"] == "gull_reader"
    assert form.select_one("input[type=password][name=password]").get("value") is None


def test_bans_name_the_changed_works_and_listings_when_works_are_posted():
    changed = OutboxEvent(topic="work.changed", payload={"work_ids": [12, 3]})
    assert bans_for([changed]) == ["(^|,)(w12|w3)(,|$)"]
    posted = OutboxEvent(topic="work.posted", payload={"work_ids": [7]})
    assert bans_for([posted]) == ["(^|,)(listing)(,|$)", "(^|,)(w7)(,|$)"]
    wrangled = OutboxEvent(topic="tag.changed", payload={"tag_id": 5, "action": "merge"})
    assert bans_for([wrangled]) == ["(^|,)(listing)(,|$)"]
    assert bans_for([]) == []


def test_new_hit_counts_alone_ban_nothing():
    counted = OutboxEvent(topic="work.changed", payload={"work_ids": [12], "hits_only": True})
    assert bans_for([counted]) == []
    edited = OutboxEvent(topic="work.changed", payload={"work_ids": [3]})
    assert bans_for([counted, edited]) == ["(^|,)(w3)(,|$)"]


def test_a_guest_from_a_blocked_address_gets_the_same_copy_and_is_refused_on_posting(work):
    from django.contrib.auth.models import Group

    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.moderation.roles import ROLES, roles_ensure
    from chapterhouse.moderation.services import site

    roles_ensure()
    admin = UserFactory(username="keeper", is_staff=True)
    admin.groups.add(Group.objects.get(name=ROLES["superadmin"].group))
    site.address_block(actor=admin, network="203.0.113.0/24", reason="Link spam wave")
    blocked = Client(REMOTE_ADDR="203.0.113.7")
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    page = blocked.get(f"/works/{work.pk}")
    assert "public" in directives(page)
    assert page.content == elsewhere.get(f"/works/{work.pk}").content
    refused = blocked.post("/kudos.js", {"kudo[commentable_id]": str(work.pk),
                                         "kudo[commentable_type]": "Work"})
    assert refused.status_code == 422
    assert not Kudos.objects.exists()
