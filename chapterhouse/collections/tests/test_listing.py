"""A collection's works as a filtered listing from the search index:
``/collections/N/works`` and ``/works?collection_id=N`` with AO3's sidebar,
counting only what the collection shows (items approved by both sides,
revealed works)."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import CollectionItem
from chapterhouse.tags.models import Tag
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.tests.factories import WorkFactory

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def heading(page) -> str:
    (found,) = [h for h in page.select("h2.heading") if "Works in" in h.get_text()]
    return found.get_text()


def titles(page) -> list[str]:
    return sorted(
        h.a.get_text() for h in page.select("ol.work.index.group > li h4.heading")
    )


def fandom_counts(page) -> dict[str, int]:
    """The sidebar's fandom choices to include: name → count."""
    found = {}
    for label in page.select("#include_fandom_tags label span.text"):
        name, _, count = label.get_text().rpartition(" (")
        found[name] = int(count.rstrip(")").replace(",", ""))
    return found


@pytest.fixture
def owner(db):
    return UserFactory(username="harbour_owner")


def _works(creator, *specs):
    works = [WorkFactory(creator=creator, title=title, fandom=fandom) for title, fandom in specs]
    work_filter_tags_refresh(work_ids=[w.pk for w in works])
    return works


def test_collection_works_filter_by_a_tag_with_the_collections_counts(client, owner, creator):
    make_collection(owner=owner)
    inside = _works(creator, ("Salt One", "Tidewatch"), ("Salt Two", "Tidewatch"),
                    ("Salt Three", "Harbour Lights"))
    # Outside the collection, in the same fandom: counted nowhere here.
    _works(creator, ("Dry Land", "Tidewatch"))
    for work in inside:
        services.collection_items_add(user=creator, work=work, names="salt_fest")
    page = soup(client.get("/collections/salt_fest/works"))
    assert page.select_one("div#main")["class"] == ["works-index", "dashboard", "filtered",
                                                    "region"]
    assert heading(page) == "1 - 3 of 3 Works in Salt Fest"
    assert page.select_one("h2.heading a[href='/collections/salt_fest']") is not None
    assert page.select_one("form#work-filters")["action"] == "/collections/salt_fest/works"
    assert fandom_counts(page) == {"Tidewatch": 2, "Harbour Lights": 1}
    tidewatch = Tag.objects.get(name="Tidewatch")
    filtered = soup(client.get(
        f"/collections/salt_fest/works?include_work_search[fandom_ids][]={tidewatch.pk}"
    ))
    assert heading(filtered) == "1 - 2 of 2 Works in Salt Fest"
    assert titles(filtered) == ["Salt One", "Salt Two"]
    assert fandom_counts(filtered) == {"Tidewatch": 2}
    # AO3's /works?collection_id=NAME is the same listing.
    same = soup(client.get(
        f"/works?collection_id=salt_fest&include_work_search[fandom_ids][]={tidewatch.pk}"
    ))
    assert titles(same) == ["Salt One", "Salt Two"]
    assert "1 - 2 of 2 Works" in same.select_one("h2.heading").get_text()
    # And with a tag's listing and words to search within the results.
    both = soup(client.get("/works?collection_id=salt_fest&tag_id=Tidewatch"
                           "&work_search[query]=%22Salt One%22"))
    assert titles(both) == ["Salt One"]
    searched = soup(client.get("/collections/salt_fest/works?work_search[query]=Salt"))
    assert heading(searched) == "1 - 3 of 3 Works in Salt Fest"


def test_filtered_collection_works_paginate_twenty_a_page_keeping_the_filter(
    client, owner, creator
):
    make_collection(owner=owner)
    works = _works(creator, *[(f"Wave {n:02d}", "Tidewatch") for n in range(23)],
                   ("Odd Wave", "Harbour Lights"))
    for work in works:
        services.collection_items_add(user=creator, work=work, names="salt_fest")
    tidewatch = Tag.objects.get(name="Tidewatch")
    address = f"/collections/salt_fest/works?include_work_search[fandom_ids][]={tidewatch.pk}"
    page = soup(client.get(address))
    assert heading(page) == "1 - 20 of 23 Works in Salt Fest"
    assert len(page.select("ol.work.index.group > li")) == 20
    next_page = page.select_one("ol.pagination a[rel=next]")["href"]
    assert next_page.startswith("/collections/salt_fest/works?")
    assert f"fandom_ids%5D%5B%5D={tidewatch.pk}" in next_page
    second = soup(client.get(next_page))
    assert heading(second) == "21 - 23 of 23 Works in Salt Fest"
    assert "Odd Wave" not in titles(second)


def test_a_work_removed_or_rejected_leaves_the_listing_and_its_counts(
    client, owner, creator
):
    make_collection(owner=owner)
    kept, removed, rejected = _works(
        creator, ("Kept Shell", "Tidewatch"), ("Removed Shell", "Tidewatch"),
        ("Rejected Shell", "Harbour Lights"),
    )
    for work in (kept, removed, rejected):
        services.collection_items_add(user=creator, work=work, names="salt_fest")
    assert heading(soup(client.get("/collections/salt_fest/works"))) == (
        "1 - 3 of 3 Works in Salt Fest"
    )
    services.collection_item_remove(user=creator, item=CollectionItem.objects.get(work=removed))
    services.collection_item_review(
        user=owner, item=CollectionItem.objects.get(work=rejected), approval="rejected"
    )
    page = soup(client.get("/collections/salt_fest/works"))
    assert heading(page) == "1 - 1 of 1 Works in Salt Fest"
    assert titles(page) == ["Kept Shell"]
    assert fandom_counts(page) == {"Tidewatch": 1}
    assert titles(soup(client.get("/works?collection_id=salt_fest"))) == ["Kept Shell"]


def test_an_unapproved_item_of_a_moderated_collection_is_not_counted(
    client, logged_in, owner, creator
):
    make_collection(owner=owner, moderated=True)
    approved, waiting = _works(creator, ("Approved Reef", "Tidewatch"),
                               ("Waiting Reef", "Harbour Lights"))
    services.collection_items_add(user=creator, work=approved, names="salt_fest")
    services.collection_items_add(user=creator, work=waiting, names="salt_fest")
    services.collection_item_review(
        user=owner, item=CollectionItem.objects.get(work=approved), approval="approved"
    )
    # Not to a guest, nor to the maintainers or the creator on this listing.
    for viewer in (client, logged_in(owner), logged_in(creator)):
        page = soup(viewer.get("/collections/salt_fest/works"))
        assert heading(page) == "1 - 1 of 1 Works in Salt Fest"
        assert titles(page) == ["Approved Reef"]
        assert fandom_counts(page) == {"Tidewatch": 1}


def test_unrevealed_works_are_neither_listed_nor_counted_before_the_reveal(
    client, owner, creator
):
    fest = make_collection(owner=owner, unrevealed=True)
    secret, = _works(creator, ("Secret Current", "Tidewatch"))
    services.collection_items_add(user=creator, work=secret, names="salt_fest")
    # The collection's page shows a mystery, no title; the index knows nothing.
    page = soup(client.get("/collections/salt_fest/works"))
    assert "Secret Current" not in str(page.select_one("#main"))
    assert [h.get_text() for h in page.select("li.mystery.work h4.heading")] == ["Mystery Work"]
    listing = soup(client.get("/works?collection_id=salt_fest"))
    assert listing.select_one("h2.heading").get_text().startswith("0 Works")
    assert "Secret Current" not in str(listing.select_one("#main"))
    assert fandom_counts(listing) == {}
    services.collection_reveal(user=owner, collection=fest)
    page = soup(client.get("/collections/salt_fest/works"))
    assert heading(page) == "1 - 1 of 1 Works in Salt Fest"
    assert titles(page) == ["Secret Current"]
    assert page.select_one("li.mystery") is None
    assert fandom_counts(page) == {"Tidewatch": 1}
    assert titles(soup(client.get("/works?collection_id=salt_fest"))) == ["Secret Current"]


def test_unknown_collection_id_on_works_is_404(client):
    assert client.get("/works?collection_id=nowhere").status_code == 404
