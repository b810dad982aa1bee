"""A collection's other listings (bookmarks, fandoms, people, tags, gifts,
subcollections' works), a user's collected works and the open challenges:
what each viewer sees and how it is counted."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.collections.models import GiftExchange
from chapterhouse.collections.prompts.models import PromptMeme
from chapterhouse.responses.models import Bookmark
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Gift, Work, WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def heading(page) -> str:
    return page.select_one("#main > h2.heading").get_text(" ", strip=True)


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def owner(db):
    return UserFactory(username="harbour_owner")


@pytest.fixture
def fest(owner):
    return make_collection(owner=owner)


def _add(creator, work, name="salt_fest"):
    result = services.collection_items_add(user=creator, work=work, names=name)
    assert result.added or result.submitted, result.errors


def _bookmark(work, *, private=False, by=None):
    reader = by or UserFactory()
    return Bookmark.objects.create(
        user=reader, pseud=reader.pseuds.get(is_default=True), work=work, private=private
    )


def test_bookmarks_list_public_bookmarks_of_works_the_viewer_sees(client, fest, creator, reader):
    shown = WorkFactory(creator=creator, title="Open Harbour")
    locked = WorkFactory(creator=creator, title="Locked Harbour", restricted=True)
    outside = WorkFactory(creator=creator, title="Elsewhere Story")
    for work in (shown, locked):
        _add(creator, work)
    _bookmark(shown, by=UserFactory(username="public_marker"))
    _bookmark(shown, private=True, by=UserFactory(username="secret_marker"))
    _bookmark(locked)
    _bookmark(outside)
    page = soup(client.get("/collections/salt_fest/bookmarks"))
    assert heading(page) == "1 - 1 of 1 Bookmarked Items in Salt Fest"
    (li,) = page.select("ol.bookmark.index.group > li")
    assert "Open Harbour" in li.get_text() and "public_marker" in li.get_text()
    text = str(page.select_one("#main"))
    assert "secret_marker" not in text and "Locked Harbour" not in text
    page = soup(login(reader).get("/collections/salt_fest/bookmarks"))
    assert heading(page) == "1 - 2 of 2 Bookmarked Items in Salt Fest"
    assert "Elsewhere Story" not in str(page.select_one("#main"))


def _counts(page) -> dict[str, int]:
    return {
        li.select_one("a.tag").get_text(): int(li.select_one("span.count").get_text()[1:-1])
        for li in page.select("ul.tags.index.group > li")
    }


def test_fandoms_and_tags_count_only_what_the_viewer_may_see(client, fest, creator, reader):
    open_one = WorkFactory(creator=creator, fandom="Harbour Lights")
    locked = WorkFactory(creator=creator, fandom="Harbour Lights", restricted=True)
    hidden = WorkFactory(creator=creator, fandom="Hidden Fandom")
    other = WorkFactory(creator=creator, fandom="Second Sea")
    for work in (open_one, locked, hidden, other):
        _add(creator, work)
    Work.objects.filter(pk=hidden.pk).update(hidden_by_admin=True)
    WorkTag.objects.create(work=open_one, tag=tag("Found Family"), position=9)
    work_filter_tags_refresh(work_ids=[open_one.pk, locked.pk, hidden.pk, other.pk])
    page = soup(client.get("/collections/salt_fest/fandoms"))
    assert _counts(page) == {"Harbour Lights": 1, "Second Sea": 1}
    assert heading(page) == "1 - 2 of 2 Fandoms in Salt Fest"
    assert _counts(soup(login(reader).get("/collections/salt_fest/fandoms"))) == {
        "Harbour Lights": 2, "Second Sea": 1,
    }
    assert _counts(soup(login(creator).get("/collections/salt_fest/fandoms")))[
        "Hidden Fandom"
    ] == 1
    # Each links to the collection's works under that tag, which agrees.
    link = next(
        a["href"] for a in page.select("ul.tags.index.group a.tag")
        if a.get_text() == "Harbour Lights"
    )
    assert "Harbour Lights" in client.get(link).content.decode()
    assert "1 - 1 of 1 Works" in client.get(link).content.decode()
    tags = _counts(soup(client.get("/collections/salt_fest/tags")))
    assert tags["Found Family"] == 1 and tags["General Audiences"] == 2
    assert "Hidden Fandom" not in tags


def test_tags_paginate_twenty_a_page(client, fest, creator):
    work = WorkFactory(creator=creator)
    for n in range(25):
        WorkTag.objects.create(work=work, tag=tag(f"Tide Tag {n:02}"), position=10 + n)
    _add(creator, work)
    first = soup(client.get("/collections/salt_fest/tags"))
    assert len(first.select("ul.tags.index.group > li")) == 20
    assert heading(first) == "1 - 20 of 28 Tags in Salt Fest"
    second = soup(client.get("/collections/salt_fest/tags?page=2"))
    assert heading(second) == "21 - 28 of 28 Tags in Salt Fest"
    assert second.select_one('ol.pagination a[href$="page=1"]') is not None


def test_people_name_creators_but_never_an_anonymous_one(client, fest, creator, reader):
    WorkFactory(creator=creator)
    mine = WorkFactory(creator=creator)
    secret_writer = UserFactory(username="hidden_hand")
    secret = WorkFactory(creator=secret_writer)
    Work.objects.filter(pk=secret.pk).update(anonymous=True, anonymous_by_creator=True)
    _add(creator, mine)
    _add(secret_writer, Work.objects.get(pk=secret.pk))
    for client_ in (client, login(secret_writer), login(UserFactory(is_staff=True))):
        page = soup(client_.get("/collections/salt_fest/people"))
        assert heading(page) == "1 - 1 of 1 Creators in Salt Fest"
        (li,) = page.select("ul.pseud.index.group > li")
        assert li.a.get_text() == creator.username and li.select_one("dd.works").get_text() == "1"
        assert "hidden_hand" not in str(page.select_one("#main"))


def test_gifts_list_the_collections_gift_works_only(client, fest, creator):
    given = WorkFactory(creator=creator, title="Given Away")
    kept = WorkFactory(creator=creator, title="Kept Close")
    refused = WorkFactory(creator=creator, title="Sent Back")
    for work in (given, kept, refused):
        _add(creator, work)
    Gift.objects.create(work=given, recipient_name="a friend")
    Gift.objects.create(work=refused, recipient_name="someone", refused=True)
    page = soup(client.get("/collections/salt_fest/gifts"))
    assert heading(page) == "1 - 1 of 1 Gifts in Salt Fest"
    (li,) = page.select("ol.work.index.group > li")
    assert li["id"] == f"work_{given.pk}"


def test_subcollections_works_are_listed_and_counted_in_the_parent(client, owner, creator, reader):
    make_collection(owner=owner)
    child = services.collection_create(
        user=owner, name="salt_minis", title="Salt Minis", parent_name="salt_fest"
    )
    assert child.parent.name == "salt_fest"
    WorkFactory(creator=creator)
    in_parent = WorkFactory(creator=creator, title="Parent Tale", fandom="Harbour Lights")
    in_child = WorkFactory(creator=creator, title="Child Tale", fandom="Second Sea")
    locked = WorkFactory(creator=creator, title="Locked Child Tale", restricted=True)
    _add(creator, in_parent)
    _add(creator, in_child, "salt_minis")
    _add(creator, locked, "salt_minis")
    # From the search index, then (a mystery in the family) from the database.
    for expected in (2, 3):
        works = client.get("/collections/salt_fest/works").content.decode()
        assert "Parent Tale" in works and "Child Tale" in works
        assert "Locked Child Tale" not in works
        as_reader = login(reader).get("/collections/salt_fest/works").content.decode()
        assert "Locked Child Tale" in as_reader
        index = soup(client.get("/collections"))
        assert index.select_one("dd.works").get_text() == str(expected)
        assert set(_counts(soup(client.get("/collections/salt_fest/fandoms")))) == {
            "Harbour Lights", "Second Sea",
        }
        if expected == 2:
            services.collection_create(
                user=owner, name="salt_hush", title="Salt Hush", parent_name="salt_fest",
                unrevealed=True,
            )
            _add(creator, WorkFactory(creator=creator, title="Hushed Tale"), "salt_hush")
    page = soup(client.get("/collections/salt_fest/works"))
    assert "Hushed Tale" not in str(page.select_one("#main"))
    mysteries = page.select("li.mystery")
    assert len(mysteries) == 1
    assert mysteries[0].select_one("h5.heading a")["href"] == "/collections/salt_hush"


def test_collected_works_of_a_user(client, fest, creator, owner):
    plain = WorkFactory(creator=creator, title="Collected Plain")
    WorkFactory(creator=creator, title="Never Collected")
    anon = WorkFactory(creator=creator, title="Collected Anonymously")
    hush = make_collection(owner=owner, name="hush_fest", title="Hush Fest", unrevealed=True)
    hushed = WorkFactory(creator=creator, title="Collected Hushed")
    _add(creator, plain)
    _add(creator, anon)
    Work.objects.filter(pk=anon.pk).update(anonymous=True, anonymous_by_creator=True)
    _add(creator, hushed, "hush_fest")
    url = f"/users/{creator.username}/works/collected"
    page = soup(client.get(url))
    text = str(page.select_one("#main"))
    assert heading(page) == f"1 - 2 of 2 Collected Works by {creator.username}"
    assert "Collected Plain" in text and "Never Collected" not in text
    assert "Collected Anonymously" not in text and "Collected Hushed" not in text
    (mystery,) = page.select("li.mystery.work.blurb")
    assert mystery["id"] == f"work_{hushed.pk}"
    assert mystery.select_one("h5.heading a")["href"] == f"/collections/{hush.name}"
    own = str(soup(login(creator).get(url)).select_one("#main"))
    assert all(t in own for t in ("Collected Plain", "Collected Anonymously", "Collected Hushed"))
    assert client.get("/users/nobody_here/works/collected").status_code == 404


def test_list_challenges_lists_exchanges_taking_sign_ups(client, owner):
    now = timezone.now()
    open_one = make_collection(owner=owner, name="open_swap", title="Open Swap")
    GiftExchange.objects.create(
        collection=open_one, signups_close_at=now + datetime.timedelta(days=3)
    )
    closed = make_collection(owner=owner, name="closed_swap", title="Closed Swap")
    GiftExchange.objects.create(collection=closed, signups_open=False)
    late = make_collection(owner=owner, name="late_swap", title="Late Swap")
    GiftExchange.objects.create(collection=late, signups_close_at=now - datetime.timedelta(hours=1))
    make_collection(owner=owner, name="plain_fest", title="Plain Fest")
    meme = make_collection(owner=owner, name="prompt_party", title="Prompt Party")
    PromptMeme.objects.create(collection=meme)
    shut = make_collection(owner=owner, name="shut_meme", title="Shut Meme")
    PromptMeme.objects.create(collection=shut, prompts_open=False)
    page = soup(client.get("/collections/list_challenges"))
    assert [a.get_text() for a in page.select("li.collection.picture.blurb h4 > a")] == [
        "Open Swap", "Prompt Party",
    ]
    assert page.select_one("h3.heading").get_text() == "2 Challenges Open for Sign-ups"


def test_unknown_collection_pages_are_404(client):
    for page in ("bookmarks", "fandoms", "people", "tags", "gifts"):
        assert client.get(f"/collections/nowhere/{page}").status_code == 404
