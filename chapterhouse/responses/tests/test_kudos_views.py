"""Kudos over HTTP: AO3's /kudos and /kudos.js, the form and list on the work
page, the givers' page, and listings sorted by kudos."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chapterhouse.accounts.models import Block
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Kudos
from chapterhouse.responses.selectors.kudos import NAMES_SHOWN, kudos_summary
from chapterhouse.responses.services.kudos import RATE_LIMIT, kudos_counts_flush
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def form(work_id) -> dict:
    return {"kudo[commentable_id]": str(work_id), "kudo[commentable_type]": "Work"}


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def flashes(page) -> str:
    return " ".join(" ".join(node.get_text().split()) for node in page.select("div.flash"))


def guest_client(address="203.0.113.5") -> Client:
    return Client(REMOTE_ADDR=address)


def add_kudos(work, *, users=(), guests=0):
    for user in users:
        Kudos.objects.create(work=work, user=user)
    for number in range(guests):
        Kudos.objects.create(work=work, guest_ip=f"192.0.2.{number + 1}")


# The form post ------------------------------------------------------------------------


def test_reader_leaves_kudos_and_is_sent_back_with_thanks(reader_client, work, reader):
    response = reader_client.post("/kudos", form(work.pk))
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}"
    page = soup(reader_client.get(response["Location"]))
    assert "Thank you for leaving kudos!" in flashes(page)
    assert page.select_one("div#kudos p.kudos a")["href"] == f"/users/{reader.username}"
    assert page.select_one("dd.kudos").get_text() == "1"  # before the worker folds it in


def test_second_kudos_says_already_left(reader_client, work):
    reader_client.post("/kudos", form(work.pk))
    response = reader_client.post("/kudos", form(work.pk), follow=True)
    assert "You've already left kudos on this work. :)" in flashes(soup(response))
    assert Kudos.objects.count() == 1


def test_kudos_from_a_chapter_page_return_to_that_chapter(reader_client, creator):
    work = WorkFactory(creator=creator, chapters=3)
    chapter = work.chapters.get(position=2)
    path = f"/works/{work.pk}/chapters/{chapter.pk}"
    response = reader_client.post("/kudos", {**form(work.pk), "return_to": path})
    assert response["Location"] == path
    other = UserFactory()
    client = Client()
    client.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/kudos", form(work.pk), HTTP_REFERER=f"http://testserver{path}")
    assert response["Location"] == path


def test_return_to_elsewhere_is_ignored(reader_client, work):
    response = reader_client.post("/kudos", {**form(work.pk), "return_to": "https://evil.example/"})
    assert response["Location"] == f"/works/{work.pk}"


def test_creator_is_told_no_kudos_on_own_work(creator_client, work):
    response = creator_client.post("/kudos", form(work.pk), follow=True)
    assert "You can't leave kudos on a work you created." in flashes(soup(response))


def test_blocked_reader_is_refused_on_the_form(reader_client, work, creator, reader):
    Block.objects.create(blocker=creator, blocked=reader)
    response = reader_client.post("/kudos", form(work.pk), follow=True)
    assert "Sorry, you can't leave kudos on this work." in flashes(soup(response))
    assert not Kudos.objects.exists()


def test_kudos_on_a_draft_is_not_found(reader_client, creator):
    draft = WorkFactory(creator=creator, posted=False)
    assert reader_client.post("/kudos", form(draft.pk)).status_code == 404


def test_guest_gets_a_cookie_and_is_refused_by_it_from_another_address(work):
    client = guest_client()
    response = client.post("/kudos", form(work.pk))
    assert response.status_code == 302
    cookie = response.cookies["kudos_guest"]
    assert cookie["httponly"]
    moved = guest_client("198.51.100.20")
    moved.cookies["kudos_guest"] = cookie.value
    again = moved.post("/kudos.js", form(work.pk))
    assert again.status_code == 422
    assert again.json() == {
        "errors": {"ip_address": ["You've already left kudos on this work. :)"]}
    }
    assert Kudos.objects.filter(work=work).count() == 1
    assert Kudos.objects.get().guest_token  # the cookie's token is kept with the row


def test_guest_on_the_same_address_is_refused_without_a_cookie(work):
    guest_client().post("/kudos", form(work.pk))
    response = guest_client().post("/kudos.js", form(work.pk))
    assert response.status_code == 422
    assert "ip_address" in response.json()["errors"]


def test_guest_cannot_kudos_restricted_work_over_http(creator):
    restricted = WorkFactory(creator=creator, restricted=True)
    response = guest_client().post("/kudos.js", form(restricted.pk))
    assert response.status_code == 422
    assert "log in" in response.json()["errors"]["commentable"][0]


def test_rate_limited_form_answers_429_with_retry_after(reader_client, reader, creator):
    works = [WorkFactory(creator=creator) for _ in range(RATE_LIMIT + 1)]
    for each in works[:-1]:
        assert reader_client.post("/kudos.js", form(each.pk)).status_code == 201
    response = reader_client.post("/kudos", form(works[-1].pk))
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    page = BeautifulSoup(response.content.decode(), "html.parser")
    assert f"try again in {wait} second" in page.get_text()
    assert page.select_one("form#new_kudo input#kudo_commentable_id")["value"] == str(works[-1].pk)
    limited = reader_client.post("/kudos.js", form(works[-1].pk))
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert "rate_limit" in limited.json()["errors"]


# /kudos.js --------------------------------------------------------------------------


def test_kudos_js_answers_201(reader_client, work):
    response = reader_client.post("/kudos.js", form(work.pk))
    assert response.status_code == 201
    assert response.json() == {
        "kudos": {"commentable_id": work.pk, "commentable_type": "Work"}, "kudos_count": 1,
    }


def test_kudos_js_errors(reader_client, creator_client, work, creator):
    reader_client.post("/kudos.js", form(work.pk))
    assert reader_client.post("/kudos.js", form(work.pk)).json() == {
        "errors": {"user_id": ["You've already left kudos on this work. :)"]}
    }
    own = creator_client.post("/kudos.js", form(work.pk))
    assert own.status_code == 422
    assert own.json()["errors"] == {"commentable": ["You can't leave kudos on a work you created."]}
    for bad in (form(999999), form("nonsense"), {**form(work.pk), "kudo[commentable_type]": "Tag"}):
        missing = reader_client.post("/kudos.js", bad)
        assert missing.status_code == 422
        assert list(missing.json()["errors"]) == ["no_commentable"]
    hidden = WorkFactory(creator=creator, hidden_by_admin=True)
    assert "no_commentable" in reader_client.post("/kudos.js", form(hidden.pk)).json()["errors"]


def test_plain_kudos_url_answers_json_when_asked(reader_client, work):
    response = reader_client.post("/kudos", form(work.pk), HTTP_ACCEPT="application/json")
    assert response.status_code == 201
    again = reader_client.post("/kudos", form(work.pk), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert again.status_code == 422


def test_kudos_accept_ao3s_authenticity_token(reader, work):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(f"/works/{work.pk}")
    token = BeautifulSoup(page.content.decode(), "html.parser").select_one(
        "meta[name=csrf-token]")["content"]
    # Without a token: refused as AO3 refuses it, so AO3's tools know to fetch one.
    refused = client.post("/kudos.js", form(work.pk))
    assert refused.status_code == 422 and "auth_error" in refused.json()["errors"]
    assert not Kudos.objects.filter(work=work).exists()
    response = client.post("/kudos.js", {**form(work.pk), "authenticity_token": token})
    assert response.status_code == 201


# The work page --------------------------------------------------------------------------


def test_work_page_has_ao3s_kudos_form(reader_client, work):
    page = soup(reader_client.get(f"/works/{work.pk}"))
    kudo = page.select_one("div#feedback form#new_kudo")
    assert kudo["action"] == "/kudos" and kudo["method"] == "post"
    assert kudo.select_one("input#kudo_commentable_id")["value"] == str(work.pk)
    assert kudo.select_one("input[name='kudo[commentable_type]']")["value"] == "Work"
    assert kudo.select_one("input#kudo_submit")["value"] == "Kudos ♥"
    assert page.select_one("div#feedback div#kudos") is not None


def test_creator_sees_no_kudos_button(creator_client, work):
    page = soup(creator_client.get(f"/works/{work.pk}"))
    assert page.select_one("form#new_kudo") is None
    assert "own work" in page.select_one("div#feedback").get_text()


def test_givers_sentence_names_users_and_counts_guests(client, work):
    first, second, third = (UserFactory(username=n) for n in ("alder", "birch", "cedar"))
    add_kudos(work, users=[first, second, third])
    text = soup(client.get(f"/works/{work.pk}")).select_one("div#kudos p.kudos")
    assert " ".join(text.get_text().split()) == "cedar, birch and alder left kudos on this work!"
    add_kudos(work, guests=12)
    text = soup(client.get(f"/works/{work.pk}")).select_one("div#kudos p.kudos")
    assert " ".join(text.get_text().split()) == (
        "cedar, birch and alder as well as 12 guests left kudos on this work!"
    )
    assert [a["href"] for a in text.select("a")] == ["/users/cedar", "/users/birch", "/users/alder"]


def test_only_guests_and_one_user(client, creator):
    only_guests = WorkFactory(creator=creator)
    add_kudos(only_guests, guests=1)
    text = soup(client.get(f"/works/{only_guests.pk}")).select_one("div#kudos p.kudos")
    assert text.get_text().strip() == "1 guest left kudos on this work!"
    one = WorkFactory(creator=creator)
    add_kudos(one, users=[UserFactory(username="dunlin")])
    text = soup(client.get(f"/works/{one.pk}")).select_one("div#kudos p.kudos")
    assert " ".join(text.get_text().split()) == "dunlin left kudos on this work!"
    empty = WorkFactory(creator=creator)
    assert soup(client.get(f"/works/{empty.pk}")).select_one("div#kudos p.kudos") is None


def test_long_list_shows_the_newest_and_links_to_all(client, work):
    users = [UserFactory() for _ in range(NAMES_SHOWN + 3)]
    add_kudos(work, users=users, guests=2)
    para = soup(client.get(f"/works/{work.pk}")).select_one("div#kudos p.kudos")
    names = para.select("a[href^='/users/']")
    assert len(names) == NAMES_SHOWN
    assert names[0].get_text() == users[-1].username
    more = para.select_one("a#kudos_more_link")
    assert more.get_text() == "and 3 more users" and more["href"] == f"/works/{work.pk}/kudos"
    assert " ".join(para.get_text().split()).endswith(
        "and 3 more users as well as 2 guests left kudos on this work!"
    )
    everyone = soup(client.get(more["href"]))
    listed = [a.get_text() for a in everyone.select("div#kudos li a")]
    assert listed == [user.username for user in reversed(users)]
    assert "53 users and 2 guests left kudos" in " ".join(everyone.get_text().split())


def test_givers_page_follows_the_privacy_door(client, reader_client, creator):
    restricted = WorkFactory(creator=creator, restricted=True)
    assert client.get(f"/works/{restricted.pk}/kudos")["Location"] == "/users/login?restricted=true"
    assert reader_client.get(f"/works/{restricted.pk}/kudos").status_code == 200
    draft = WorkFactory(creator=creator, posted=False)
    assert reader_client.get(f"/works/{draft.pk}/kudos").status_code == 404


def test_kudos_panel_queries_do_not_grow_with_kudos(client, creator):
    few, many = WorkFactory(creator=creator), WorkFactory(creator=creator)
    add_kudos(few, users=[UserFactory()], guests=1)
    add_kudos(many, users=[UserFactory() for _ in range(60)], guests=30)

    def queries(work) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/works/{work.pk}").status_code == 200
        return len([q for q in captured.captured_queries if "responses_kudos" in q["sql"]])

    assert queries(few) == queries(many) <= 2


# Listings sorted by kudos -----------------------------------------------------------------


def test_listing_sorted_by_kudos_moves_after_the_flush(reader_client, creator):
    leader = WorkFactory(creator=creator, title="Tidewater", kudos_count=1)
    rising = WorkFactory(creator=creator, title="Riptide")
    url = "/works?work_search[sort_column]=kudos_count"

    def titles():
        page = soup(reader_client.get(url))
        return [a.get_text() for a in page.select("li.work.blurb h4.heading a:first-child")][:2]

    assert titles() == ["Tidewater", "Riptide"]
    reader_client.post("/kudos", form(rising.pk))
    guest_client().post("/kudos", form(rising.pk))
    assert kudos_counts_flush() == 1
    assert titles() == ["Riptide", "Tidewater"]
    assert kudos_summary(work_id=rising.pk).total == 2
    leader.refresh_from_db()
    assert leader.kudos_count == 1
