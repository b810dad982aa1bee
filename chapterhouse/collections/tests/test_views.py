"""The collections' pages over HTTP: addresses, markup and flash as AO3's."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import Approval, Collection, CollectionItem
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def owner(db):
    return UserFactory(username="harbour_owner")


def test_index_lists_collections_with_maintainers_flags_and_counts(client, owner, creator, work):
    fest = make_collection(owner=owner, moderated=True, unrevealed=True)
    services.maintainer_add(user=owner, collection=fest, username=creator.username)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    page = soup(client.get("/collections"))
    assert page.select_one("div#main")["class"] == ["collections-index", "region"]
    assert page.select_one("h3.heading").get_text() == "1 Collection"
    (li,) = page.select("ul.collection.picture.index.group > li.collection.picture.blurb.group")
    heading = li.select_one("div.header.module h4.heading")
    assert heading.a["href"] == "/collections/salt_fest" and heading.a.get_text() == "Salt Fest"
    assert heading.select_one("span.name").get_text() == "(salt_fest)"
    assert [a["href"] for a in li.select("a.owner")] == ["/users/harbour_owner"]
    assert [a["href"] for a in li.select("a.mod")] == [f"/users/{creator.username}"]
    assert li.select_one("blockquote.userstuff.summary").get_text() == "A fest of the sea."
    # The creator added it herself, as a maintainer: approved, listed as a mystery.
    assert li.select_one("dl.stats dd.works").get_text() == "1"
    assert li.select_one("p.type").get_text() == "(Open, Moderated, Unrevealed)"


def test_empty_index_says_so(client):
    assert "Sorry, there were no collections found." in client.get("/collections").content.decode()


def test_unknown_collection_is_404_and_its_profile_redirects(client):
    assert client.get("/collections/nowhere").status_code == 404
    response = client.get("/collections/nowhere/profile")
    assert response.status_code == 302 and response["Location"] == "/collections"


def test_profile_shows_texts_maintainers_and_date(client, owner):
    fest = make_collection(owner=owner)
    services.collection_edit(
        user=owner,
        collection=fest,
        intro="<p>Welcome!</p>",
        faq="<p>Ask.</p>",
        rules="<p>Be kind.</p>",
    )
    page = soup(client.get("/collections/salt_fest/profile"))
    assert page.select_one("div#main")["class"] == ["collections-profile", "region"]
    profile = page.select_one("div.collection.home.profile")
    assert profile.select_one("div.primary.header.module h2.heading").get_text() == "Salt Fest"
    dl = profile.select_one("dl.meta.group")
    assert (
        dl.find("dt", string="Active since:").find_next("dd").get_text()
        == fest.created_at.date().isoformat()
    )
    assert [a.get_text() for a in dl.select("dd.maintainers a")] == ["harbour_owner"]
    for key, text in (("intro", "Welcome!"), ("faq", "Ask."), ("rules", "Be kind.")):
        assert page.select_one(f"div#{key} blockquote.userstuff").get_text() == text


def test_collection_works_lists_twenty_a_page_with_ao3s_heading(client, owner, creator):
    make_collection(owner=owner)
    works = [WorkFactory(creator=creator) for _ in range(21)]
    for w in works:
        services.collection_items_add(user=creator, work=w, names="salt_fest")
    outsider = WorkFactory(title="Not In The Fest")
    page = soup(client.get("/collections/salt_fest/works"))
    (heading,) = [h for h in page.select("h2.heading") if "Works in" in h.get_text()]
    assert heading.get_text() == "1 - 20 of 21 Works in Salt Fest"
    assert heading.a["href"] == "/collections/salt_fest"
    assert len(page.select("ol.work.index.group > li")) == 20
    assert page.select_one("ol.pagination.actions") is not None
    second = client.get("/collections/salt_fest/works?page=2").content.decode()
    assert "21 - 21 of 21 Works in" in second
    assert outsider.title not in second


def test_work_page_names_its_approved_collections(client, creator, work, owner):
    make_collection(owner=owner)
    make_collection(owner=owner, name="mod_fest", title="Mod Fest", moderated=True)
    services.collection_items_add(user=creator, work=work, names="salt_fest,mod_fest")
    page = soup(client.get(f"/works/{work.pk}"))
    assert [(a["href"], a.get_text()) for a in page.select("dd.collections a")] == [
        ("/collections/salt_fest", "Salt Fest")
    ]
    listing = client.get(f"/works/{work.pk}/collections").content.decode()
    assert "Salt Fest" in listing and "Mod Fest" not in listing


def test_add_by_post_flashes_notice_and_errors_as_ao3(creator_client, work, owner):
    make_collection(owner=owner)
    make_collection(owner=owner, name="closed_fest", title="Closed Fest", is_open=False)
    response = creator_client.post(
        f"/works/{work.pk}/collection_items", {"collection_names": "salt_fest", "commit": "Add"}
    )
    assert response.status_code == 302 and response["Location"] == f"/works/{work.pk}"
    page = soup(creator_client.get(response["Location"]))
    assert page.select_one("div.flash.notice").get_text() == "Added to collection(s): Salt Fest."
    assert page.select_one("div.flash.error") is None
    response = creator_client.post(
        f"/works/{work.pk}/collection_items",
        {"collection_names": "salt_fest, nowhere, closed_fest", "commit": "Add"},
        follow=True,
    )
    page = soup(response)
    assert page.select_one("div.flash.notice") is None
    error = page.select_one("div.flash.error")
    assert error.get_text().startswith(
        "We couldn't add your submission to the following collection(s):"
    )
    assert [li.get_text() for li in error.select("ul li")] == [
        "Salt Fest, because this item has already been submitted.",
        "nowhere, because we couldn't find a collection with that name.",
        "Closed Fest is closed to new submissions.",
    ]


def test_new_item_form_has_ao3s_fields(creator_client, work):
    page = soup(creator_client.get(f"/works/{work.pk}/collection_items/new"))
    form = page.select_one("form#new_collection_item")
    assert form["action"] == f"/works/{work.pk}/collection_items"
    assert form.select_one("input[name=collection_names]") is not None
    assert form.select_one("input[name=commit]")["value"] == "Add"


def test_guest_is_sent_to_log_in_before_adding(client, work):
    response = client.post(f"/works/{work.pk}/collection_items", {"collection_names": "x"})
    assert response.status_code == 302 and "/users/login" in response["Location"]


def test_maintainers_queue_approves_a_moderated_item(logged_in, owner, creator, work, reader):
    fest = make_collection(owner=owner, moderated=True)
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    item = CollectionItem.objects.get(work=work)
    assert logged_in(reader).get("/collections/salt_fest/items").status_code == 403
    client = logged_in(owner)
    page = soup(client.get("/collections/salt_fest/items"))
    assert page.select_one(f"li#collection_item_{item.pk}") is not None
    client.post("/collections/salt_fest/items", {"item_id": item.pk, "status": "approved"})
    item.refresh_from_db()
    assert item.collection_approval == Approval.APPROVED
    assert work.title in client.get(f"/collections/{fest.name}/works").content.decode()


def test_creator_accepts_an_invitation_from_her_queue(logged_in, owner, creator, work):
    make_collection(owner=owner)
    services.collection_items_add(user=owner, work=work, names="salt_fest")
    item = CollectionItem.objects.get(work=work)
    assert logged_in(owner).get(f"/users/{creator.username}/collection_items").status_code == 403
    client = logged_in(creator)
    page = soup(client.get(f"/users/{creator.username}/collection_items"))
    assert page.select_one(f"li#collection_item_{item.pk}") is not None
    client.post(
        f"/users/{creator.username}/collection_items", {"item_id": item.pk, "status": "approved"}
    )
    item.refresh_from_db()
    assert item.approved


def test_create_and_edit_a_collection_through_the_form(logged_in, owner, reader):
    client = logged_in(owner)
    response = client.post(
        "/collections/new",
        {"name": "moon_fest", "title": "Moon Fest", "is_open": "on", "unrevealed": "on"},
    )
    assert response.status_code == 302 and response["Location"] == "/collections/moon_fest"
    fest = Collection.objects.get(name="moon_fest")
    assert fest.unrevealed and fest.is_open and not fest.moderated
    assert logged_in(reader).get("/collections/moon_fest/edit").status_code == 403
    client.post("/collections/moon_fest/edit", {"title": "Moon Fest 2", "is_open": "on"})
    fest.refresh_from_db()
    assert fest.title == "Moon Fest 2" and not fest.unrevealed


def test_user_collections_lists_what_she_maintains(client, owner):
    make_collection(owner=owner)
    page = soup(client.get("/users/harbour_owner/collections"))
    assert [a.get_text() for a in page.select("li.collection.blurb h4.heading > a")] == [
        "Salt Fest"
    ]


def test_work_form_posts_to_collections(logged_in, creator, owner):
    from chapterhouse.works.tests.test_views_posting import work_post_data

    make_collection(owner=owner)
    client = logged_in(creator)
    form = soup(client.get("/works/new")).select_one("input[name='work[collection_names]']")
    assert form is not None
    data = work_post_data(title="Fest Entry")
    data["work[collection_names]"] = "salt_fest, nowhere"
    data["post_button"] = "Post"
    response = client.post("/works/new", data, follow=True)
    page = soup(response)
    assert "Added to collection(s): Salt Fest." in page.select_one("div.flash.notice").get_text()
    assert "nowhere, because" in page.select_one("div.flash.error").get_text()
    assert CollectionItem.objects.filter(
        work__title="Fest Entry", collection__name="salt_fest"
    ).exists()


def test_work_inside_its_collection_and_outside_it(client, creator, work, owner):
    make_collection(owner=owner)
    other = WorkFactory(title="Elsewhere")
    services.collection_items_add(user=creator, work=work, names="salt_fest")
    inside = client.get(f"/collections/salt_fest/works/{work.pk}")
    assert inside.status_code == 200 and work.title in inside.content.decode()
    outside = client.get(f"/collections/salt_fest/works/{other.pk}")
    assert outside.status_code == 302 and outside["Location"] == f"/works/{other.pk}"


def test_queue_answers_a_bad_item_with_404(logged_in, owner):
    make_collection(owner=owner)
    client = logged_in(owner)
    response = client.post("/collections/salt_fest/items", {"item_id": "x", "status": "approved"})
    assert response.status_code == 404
    response = client.post(f"/users/{owner.username}/collection_items", {"item_id": "9x"})
    assert response.status_code == 404
