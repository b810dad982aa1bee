"""A reader's muted, saved-filter and subscription pages over HTTP, and the
buttons the listings and profiles include."""


import pytest
from bs4 import BeautifulSoup
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import NoReverseMatch, include, path, reverse

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import reader_views, services
from chapterhouse.discovery.models import (
    FilterNotification,
    FilterSubscription,
    SavedFilter,
    TagMute,
    UserMute,
)
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

# Until chapterhouse/urls.py and web/jinja.py are wired, these tests wire them.
urlpatterns = [
    path("", include("chapterhouse.discovery.reader_urls")),
    path("", include("chapterhouse.urls")),
]


@pytest.fixture(autouse=True)
def _reader_wiring(settings):
    try:
        reverse("reader:muted", kwargs={"username": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__
    env = engines["jinja2"].env
    for name, helper in reader_views.JINJA_GLOBALS.items():
        env.globals.setdefault(name, helper)


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def flashes(page: BeautifulSoup) -> list[str]:
    return [div.get_text(" ", strip=True) for div in page.select("div.flash")]


OWN_PAGES = ["muted", "saved_filters", "filter_subscriptions"]


# Who may open the pages ------------------------------------------------------------------


@pytest.mark.parametrize("page", OWN_PAGES)
def test_a_guest_is_asked_to_log_in(client, user, page):
    response = client.get(f"/users/{user.username}/{page}")
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")


@pytest.mark.parametrize("page", OWN_PAGES)
def test_another_reader_gets_403(client, user, other_user, page):
    services.saved_filter_create(user=user, name="Secret", query="work_search[complete]=T")
    client.force_login(other_user)
    response = client.get(f"/users/{user.username}/{page}")
    assert response.status_code == 403
    assert b"Secret" not in response.content


@pytest.mark.parametrize("page", OWN_PAGES)
def test_the_owner_sees_her_page_in_the_frame(user_client, user, page):
    response = user_client.get(f"/users/{user.username}/{page}")
    assert response.status_code == 200
    assert soup(response).select_one("div#main h2.heading") is not None


@pytest.mark.parametrize(
    "address", ["/mutes/users", "/mutes/tags", "/saved_filters", "/filter_subscriptions"]
)
def test_a_guest_cannot_post_the_actions(client, address):
    response = client.post(address, {"username": "x", "tag": "x", "name": "x", "query": "a=b"})
    assert response.status_code == 302
    assert response["Location"].startswith("/users/login?")
    assert not (UserMute.objects.exists() or SavedFilter.objects.exists())


# Muting -------------------------------------------------------------------------------------------


def test_muting_a_user_by_name_lists_them_with_an_unmute_button(user_client, user, other_user):
    response = user_client.post("/mutes/users", {"username": other_user.username.upper()})
    assert response.status_code == 302
    assert response["Location"] == f"/users/{user.username}/muted"
    page = soup(user_client.get(response["Location"]))
    assert any("You have muted mireille_test" in text for text in flashes(page))
    row = page.select_one(f"li#user_mute_{other_user.pk}")
    assert row.a.text == "mireille_test"
    assert row.select_one("form button").text == "Unmute"

    user_client.post("/mutes/users/delete", {"user_id": other_user.pk})
    assert not UserMute.objects.exists()


def test_muting_yourself_shows_the_error_beside_the_field_and_keeps_the_name(user_client, user):
    response = user_client.post("/mutes/users", {"username": user.username})
    assert response.status_code == 200
    page = soup(response)
    field = page.select_one("#id_username_field")
    assert field.select_one("p.error").text == "You can't mute yourself."
    assert field.select_one("input")["value"] == user.username
    assert not UserMute.objects.exists()


def test_muting_an_unknown_name_says_so(user_client):
    page = soup(user_client.post("/mutes/users", {"username": "nobody_here"}))
    assert page.select_one("#id_username_field p.error").text == "There is no user by that name."


def test_muting_a_tag_by_name_and_unmuting_it(user_client, user):
    tag = Tag.objects.create(name="Sad Ending", type=TagType.FREEFORM, canonical=True)
    response = user_client.post("/mutes/tags", {"tag": "sad ending"})
    assert response.status_code == 302
    page = soup(user_client.get(f"/users/{user.username}/muted"))
    row = page.select_one(f"li#tag_mute_{tag.pk}")
    assert row.select_one("a.tag").text == "Sad Ending"
    assert page.select_one("input#id_tag")["data-autocomplete"] == ""
    user_client.post("/mutes/tags/delete", {"tag_id": tag.pk})
    assert not TagMute.objects.exists()


def test_muting_an_unknown_tag_keeps_what_was_typed(user_client):
    response = user_client.post("/mutes/tags", {"tag": "Not A Real Tag"})
    page = soup(response)
    assert page.select_one("#id_tag_field p.error").text == "There is no tag by that name."
    assert page.select_one("input#id_tag")["value"] == "Not A Real Tag"


def test_the_mute_button_goes_back_to_where_it_was_pressed(user_client, other_user):
    response = user_client.post(
        "/mutes/users", {"username": other_user.username, "next": "/users/mireille_test"}
    )
    assert response["Location"] == "/users/mireille_test"
    response = user_client.post(
        "/mutes/users/delete", {"user_id": other_user.pk, "next": "https://elsewhere.example/"}
    )
    assert response["Location"].startswith("/users/rowan_test/muted")


def _render(template: str, user, **context) -> BeautifulSoup:
    request = RequestFactory().get("/users/mireille_test")
    request.user = user
    request.session = {}
    return BeautifulSoup(render_to_string(template, context, request=request), "html.parser")


def test_the_mute_button_offers_mute_then_unmute_and_never_to_yourself(user, other_user):
    button = _render("discovery/_mute_button.html", user, person=other_user)
    assert button.select_one("form")["action"] == "/mutes/users"
    assert button.button.text == "Mute"
    services.user_mute(user=user, muted=other_user)
    button = _render("discovery/_mute_button.html", user, person=other_user)
    assert button.select_one("form")["action"] == "/mutes/users/delete"
    assert button.button.text == "Unmute"
    assert _render("discovery/_mute_button.html", user, person=user).select_one("form") is None


# Saved filters -----------------------------------------------------------------------------


def test_saving_a_filter_goes_back_to_the_listing(user_client, user):
    query = "work_search%5Bcomplete%5D=T&page=3"
    response = user_client.post("/saved_filters", {"name": "Finished", "query": query})
    assert response.status_code == 302
    assert response["Location"] == "/works?work_search%5Bcomplete%5D=T"
    saved = SavedFilter.objects.get(user=user)
    assert saved.name == "Finished"


def test_a_filter_that_cannot_be_saved_keeps_the_typed_name_for_the_form(user_client, user):
    services.saved_filter_create(user=user, name="Finished", query="work_search[complete]=T")
    response = user_client.post(
        "/saved_filters",
        {"name": "Finished", "query": "work_search%5Bcomplete%5D=F",
         "next": "/works?work_search%5Bcomplete%5D=F"},
    )
    assert response["Location"] == "/works?work_search%5Bcomplete%5D=F"
    assert SavedFilter.objects.get(user=user).query == "work_search%5Bcomplete%5D=T"
    # The save form shows the name once more, and the message says why.
    request = RequestFactory().get("/works")
    request.user = user
    request.session = user_client.session
    html = render_to_string("discovery/_save_filter.html",
                            {"current_query": "work_search%5Bcomplete%5D=F"}, request=request)
    form = BeautifulSoup(html, "html.parser")
    assert form.select_one("input#saved_filter_name")["value"] == "Finished"
    assert form.select_one("input[name=query]")["value"] == "work_search%5Bcomplete%5D=F"
    assert form.select_one("form")["action"] == "/saved_filters"
    again = BeautifulSoup(render_to_string("discovery/_save_filter.html",
                                           {"current_query": ""}, request=request), "html.parser")
    assert again.select_one("input#saved_filter_name")["value"] == ""
    page = soup(user_client.get(f"/users/{user.username}/saved_filters"))
    assert any("already have a saved filter named" in text for text in flashes(page))


def test_the_saved_filters_page_runs_follows_feeds_and_deletes(user_client, user):
    saved = services.saved_filter_create(user=user, name="Finished",
                                         query="work_search[complete]=T")
    page = soup(user_client.get(f"/users/{user.username}/saved_filters"))
    row = page.select_one(f"li#saved_filter_{saved.pk}")
    assert row.select_one("h4 a")["href"] == "/works?work_search%5Bcomplete%5D=T"
    feed = row.select_one("a.rss")["href"]
    assert feed.startswith("/saved_filters/") and feed.endswith("/feed.atom")
    assert str(saved.pk) != feed.split("/")[2]
    assert row.select_one("button[aria-label='Subscribe to Finished']") is not None

    user_client.post("/filter_subscriptions", {"saved_filter_id": saved.pk})
    page = soup(user_client.get(f"/users/{user.username}/saved_filters"))
    assert page.select_one("button[aria-label='Unsubscribe from Finished']") is not None

    user_client.post(f"/saved_filters/{saved.pk}/delete")
    assert not SavedFilter.objects.exists()


def test_nobody_deletes_another_readers_saved_filter(client, user, other_user):
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    client.force_login(other_user)
    assert client.post(f"/saved_filters/{saved.pk}/delete").status_code == 403
    assert client.post("/filter_subscriptions", {"saved_filter_id": saved.pk}).status_code == 403
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    assert not FilterSubscription.objects.exists()


# Subscriptions --------------------------------------------------------------------------------


def test_following_a_tag_from_its_listing_and_seeing_new_works(user_client, user):
    tag = Tag.objects.create(name="Mulder/Scully", type=TagType.RELATIONSHIP, canonical=True)
    follow = _render("discovery/_tag_follow.html", user, tag=tag)
    assert follow.select_one("a.rss")["href"] == "/tags/Mulder*s*Scully/feed.atom"
    assert follow.button.text == "Subscribe"

    back = "/tags/Mulder*s*Scully/works"
    response = user_client.post("/filter_subscriptions", {"tag_id": tag.pk, "next": back})
    assert response["Location"] == back
    subscription = FilterSubscription.objects.get(user=user)
    assert _render("discovery/_tag_follow.html", user, tag=tag).button.text == "Unsubscribe"

    work = WorkFactory(title="The Truth Is Out There")
    hidden = WorkFactory(title="Pulled", hidden_by_admin=True)
    FilterNotification.objects.create(subscription=subscription, user=user, work=work)
    FilterNotification.objects.create(subscription=subscription, user=user, work=hidden)
    page = soup(user_client.get(f"/users/{user.username}/filter_subscriptions"))
    notes = page.select("ol.notification li")
    assert [li.a.text for li in notes] == ["The Truth Is Out There"]
    assert notes[0].select_one("a.tag")["href"] == "/tags/Mulder*s*Scully/works"
    followed = page.select_one(f"li#subscription_{subscription.pk}")
    assert followed.select_one("a.tag").text == "Mulder/Scully"

    user_client.post("/filter_subscriptions/delete", {"tag_id": tag.pk})
    assert not FilterSubscription.objects.exists()


def test_a_guest_sees_the_feed_link_but_no_subscribe_button(db):
    from django.contrib.auth.models import AnonymousUser

    tag = Tag.objects.create(name="Found Family", type=TagType.FREEFORM, canonical=True)
    follow = _render("discovery/_tag_follow.html", AnonymousUser(), tag=tag)
    assert follow.select_one("a.rss")["href"] == "/tags/Found%20Family/feed.atom"
    assert follow.select_one("form") is None


def test_following_a_tag_that_is_gone_says_so(user_client, user):
    response = user_client.post("/filter_subscriptions", {"tag_id": 999999})
    page = soup(user_client.get(response["Location"]))
    assert any("doesn't exist any more" in text for text in flashes(page))
    assert not FilterSubscription.objects.exists()


def test_a_readers_pages_link_to_each_other(user_client, user):
    page = soup(user_client.get(f"/users/{user.username}/muted"))
    links = {a["href"] for a in page.select("ul[aria-label='Finding works'] a")}
    assert links == {
        f"/users/{user.username}/saved_filters",
        f"/users/{user.username}/filter_subscriptions",
        f"/users/{user.username}/muted",
    }


def test_another_readers_mute_button_does_not_mute_for_someone_else(client, user, other_user):
    third = UserFactory(username="third_thistle")
    client.force_login(other_user)
    client.post("/mutes/users", {"username": third.username})
    assert list(UserMute.objects.values_list("user_id", "muted_id")) == [
        (other_user.pk, third.pk)
    ]
