"""Subscription pages over HTTP: AO3's form fields, the buttons on the work
page, and the owner-only subscriptions page."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import FilterSubscription
from chapterhouse.responses.models import Subscription
from chapterhouse.responses.services.subscriptions import subscription_create
from chapterhouse.tags.models import Tag
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def subscribe(client, username, pk, kind="Work", **extra):
    return client.post(
        f"/users/{username}/subscriptions",
        {"subscription[subscribable_id]": pk, "subscription[subscribable_type]": kind, **extra},
    )


def test_reader_subscribes_with_ao3_fields(reader_client, reader, work):
    response = subscribe(reader_client, reader.username, work.pk)
    assert response.status_code == 302
    assert response["Location"] == f"/works/{work.pk}"
    assert Subscription.objects.filter(user=reader, work=work).exists()


def test_reader_subscribes_to_a_creator_and_a_series(reader_client, reader, creator, work):
    series = add_to_series(work)
    assert subscribe(reader_client, reader.username, creator.pk, "User").status_code == 302
    assert subscribe(reader_client, reader.username, series.pk, "Series").status_code == 302
    assert Subscription.objects.filter(user=reader, creator=creator).exists()
    assert Subscription.objects.filter(user=reader, series=series).exists()


def test_subscribing_to_a_draft_is_refused_like_a_missing_work(reader_client, reader, creator):
    draft = WorkFactory(creator=creator, posted=False)
    response = subscribe(reader_client, reader.username, draft.pk, follow=False)
    assert response.status_code == 302
    page = soup(reader_client.get(response["Location"]))
    assert "couldn't find that work" in page.select_one("div.flash.error").get_text()
    assert not Subscription.objects.exists()


def test_nobody_subscribes_in_someone_elses_name(reader_client, creator, work):
    response = subscribe(reader_client, creator.username, work.pk)
    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_guest_is_sent_to_log_in(client, reader, work):
    response = subscribe(client, reader.username, work.pk)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not Subscription.objects.exists()


def test_unsubscribe_with_method_delete(reader_client, reader, work):
    subscription = subscription_create(user=reader, work=work)
    response = reader_client.post(
        f"/users/{reader.username}/subscriptions/{subscription.pk}", {"_method": "delete"}
    )
    assert response.status_code == 302
    assert not Subscription.objects.exists()


def test_nobody_deletes_anothers_subscription(logged_in, reader, work):
    subscription = subscription_create(user=reader, work=work)
    intruder = UserFactory()
    client = logged_in(intruder)
    response = client.post(
        f"/users/{intruder.username}/subscriptions/{subscription.pk}", {"_method": "delete"}
    )
    assert response.status_code == 404
    response = client.post(
        f"/users/{reader.username}/subscriptions/{subscription.pk}", {"_method": "delete"}
    )
    assert response.status_code == 403
    assert Subscription.objects.filter(pk=subscription.pk).exists()


# The work page -------------------------------------------------------------------------------


def test_work_page_shows_subscribe_then_unsubscribe(reader_client, reader, work):
    page = soup(reader_client.get(f"/works/{work.pk}"))
    item = page.select_one("ul.work.navigation.actions li.subscribe")
    form = item.select_one("form")
    assert form["action"] == f"/users/{reader.username}/subscriptions"
    assert form.select_one("input[name='subscription[subscribable_id]']")["value"] == str(work.pk)
    assert form.select_one("input[name='subscription[subscribable_type]']")["value"] == "Work"
    assert form.select_one("input[type=submit]")["value"] == "Subscribe"

    subscription = subscription_create(user=reader, work=work)
    page = soup(reader_client.get(f"/works/{work.pk}"))
    form = page.select_one("li.subscribe form")
    assert form["action"] == f"/users/{reader.username}/subscriptions/{subscription.pk}"
    assert form.select_one("input[name=_method]")["value"] == "delete"
    assert form.select_one("input[type=submit]")["value"] == "Unsubscribe"


def test_guests_and_creators_see_no_subscribe_button(client, creator_client, work):
    assert not soup(client.get(f"/works/{work.pk}")).select("li.subscribe")
    assert not soup(creator_client.get(f"/works/{work.pk}")).select("li.subscribe")


def test_subscribe_button_for_user_and_series_pages(rf, reader, creator, work):
    from django.template import engines

    from chapterhouse.responses.selectors.subscriptions import subscription_button

    series = add_to_series(work)
    request = rf.get(f"/users/{creator.username}")
    request.user = reader
    template = engines["jinja2"].get_template("responses/_subscribe_button.html")
    context = {"subscription_button": subscription_button, "person": creator}
    form = soup_of(template.render(context, request)).select_one("li.subscribe form")
    assert form.select_one("input[name='subscription[subscribable_type]']")["value"] == "User"
    assert form.select_one("input[name='subscription[subscribable_id]']")["value"] == str(
        creator.pk
    )
    assert form.select_one("input[name=next]")["value"] == f"/users/{creator.username}"

    subscription_create(user=reader, series=series)
    context = {"subscription_button": subscription_button, "page": {"series": series}}
    form = soup_of(template.render(context, request)).select_one("li.subscribe form")
    assert form.select_one("input[type=submit]")["value"] == "Unsubscribe"

    request.user = creator  # no button for oneself or one's own series
    assert not soup_of(template.render(
        {"subscription_button": subscription_button, "person": creator}, request
    )).select("li.subscribe")
    assert subscription_button(request, series=series) == {}


def soup_of(html):
    return BeautifulSoup(html, "html.parser")


# The subscriptions page ----------------------------------------------------------------------


def test_subscriptions_page_lists_and_filters_by_type(reader_client, reader, creator, work):
    series = add_to_series(work)
    subscription_create(user=reader, work=work)
    subscription_create(user=reader, creator=creator)
    subscription_create(user=reader, series=series)
    page = soup(reader_client.get(f"/users/{reader.username}/subscriptions"))
    assert page.select_one("div#main.subscriptions-index")
    titles = [dt.select_one("a").get_text() for dt in page.select("dl.subscription.index dt")]
    assert set(titles) == {work.title, creator.username, series.title}

    works_only = soup(reader_client.get(f"/users/{reader.username}/subscriptions?type=works"))
    assert [a.get_text() for a in works_only.select("dl.subscription.index dt a")] == [work.title]
    users = soup(reader_client.get(f"/users/{reader.username}/subscriptions?type=users"))
    assert [a.get_text() for a in users.select("dl.subscription.index dt a")] == [creator.username]


def test_subscriptions_page_hides_titles_of_works_gone_from_view(reader_client, reader, work):
    subscription_create(user=reader, work=work)
    work.hidden_by_admin = True
    work.save()
    body = reader_client.get(f"/users/{reader.username}/subscriptions").content.decode()
    assert work.title not in body
    assert "no longer available" in body


def test_subscriptions_page_lists_followed_tags_with_unfollow(reader_client, reader):
    tag = Tag.objects.create(name="Lighthouses", type="Freeform")
    FilterSubscription.objects.create(user=reader, tag=tag)
    page = soup(reader_client.get(f"/users/{reader.username}/subscriptions"))
    item = page.select_one("li.subscription.tag")
    assert "Lighthouses" in item.get_text()
    assert item.select_one("form")["action"] == "/filter_subscriptions/delete"


def test_subscriptions_page_is_for_its_owner_only(client, logged_in, reader):
    assert client.get(f"/users/{reader.username}/subscriptions").status_code == 302
    assert logged_in(UserFactory()).get(
        f"/users/{reader.username}/subscriptions"
    ).status_code == 403


def test_profile_header_holds_the_subscription_form_first(reader_client, reader, creator):
    """AO3's tools read a user's subscription from the profile's header module:
    its first form, its subscribable id, and an Unsubscribe button once subscribed."""
    page = soup(reader_client.get(f"/users/{creator.username}/profile"))
    header = page.select_one("div.primary.header.module")
    form = header.find("form")
    assert form["action"] == f"/users/{reader.username}/subscriptions"
    assert form["data-create-value"] == "Subscribe"
    assert header.select_one("input#subscription_subscribable_id")["value"] == str(creator.pk)
    subscribe(reader_client, reader.username, creator.pk, kind="User")
    subscription = Subscription.objects.get(user=reader, creator=creator)
    header = soup(reader_client.get(f"/users/{creator.username}/profile")).select_one(
        "div.primary.header.module"
    )
    assert header.find("form")["action"].endswith(f"/subscriptions/{subscription.pk}")
    assert header.select_one("input[name=commit]")["value"] == "Unsubscribe"
