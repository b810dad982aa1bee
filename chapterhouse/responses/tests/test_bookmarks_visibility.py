"""Who sees which bookmark, on every bookmark listing.

Expectations written out from the rules (docs/bookmarks.md):

- a private bookmark: its owner alone;
- a bookmark hidden by an admin: its owner and admins;
- a bookmark of a restricted work: signed-in viewers;
- of a work hidden by an admin: admins (and the work's creators);
- of a work that is a draft again: nobody, its bookmarker included;
- of an anonymous work: everyone, the blurb saying "Anonymous";
- a tag used on one bookmark (or work) alone: whoever sees that bookmark (or
  work), and admins; for others its page is not found.
"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.models import UserMute
from chapterhouse.responses.models import Bookmark
from chapterhouse.responses.selectors.bookmarks import (
    BookmarkSearch,
    bookmark_search,
    tag_bookmarks,
    user_bookmarks,
)
from chapterhouse.responses.services.bookmarks import bookmark_create
from chapterhouse.tags.models import Tag
from chapterhouse.works.models import Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db

VIEWERS = ["guest", "reader", "owner", "admin"]
STATES = ["public", "private", "restricted", "hidden_work", "draft_work", "hidden_bookmark",
          "anonymous"]


def sees(viewer, state):
    return {
        "public": True,
        "private": viewer == "owner",
        "restricted": viewer != "guest",
        "hidden_work": viewer == "admin",
        "draft_work": False,
        "hidden_bookmark": viewer in ("owner", "admin"),
        "anonymous": True,
    }[state]


TAG_PAGES = {
    "/tags/matrix mark/bookmarks": "bookmark",
    "/tags/Lighthouse Keepers/bookmarks": "work",
}


def knows_tag(used_on, viewer, state):
    """The bookmarker's tag and the work's fandom are used here alone: a viewer
    knows of them when she sees that bookmark, or that work (docs/visibility.md,
    Tags); admins know every tag."""
    if viewer == "admin":
        return True
    if used_on == "bookmark":
        return sees(viewer, state)
    return {"restricted": viewer != "guest", "hidden_work": False,
            "draft_work": False}.get(state, True)


@pytest.fixture
def people(db):
    return {
        "creator": UserFactory(username="wren_writer"),
        "owner": UserFactory(username="pell_bookmarker"),
        "reader": UserFactory(username="ashby_reader"),
        "admin": UserFactory(username="quill_admin", is_staff=True),
    }


def client_for(people, viewer):
    client = Client()
    if viewer != "guest":
        client.force_login(people[viewer], backend="django.contrib.auth.backends.ModelBackend")
    return client


def bookmark_in(state, people):
    work = WorkFactory(
        creator=people["creator"], title="The Hidden Cove",
        restricted=state == "restricted", anonymous=state == "anonymous",
    )
    owner = people["owner"]
    bookmark = bookmark_create(
        user=owner, pseud=owner.pseuds.get(is_default=True), work=work,
        tag_string="matrix mark", notes="<p>cove notes</p>", private=state == "private",
    )
    if state == "hidden_work":
        Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    if state == "draft_work":
        Work.objects.filter(pk=work.pk).update(posted=False)
    if state == "hidden_bookmark":
        Bookmark.objects.filter(pk=bookmark.pk).update(hidden_by_admin=True)
    return bookmark


def listed(response, bookmark) -> bool:
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one(f"ol.bookmark.index.group > li#bookmark_{bookmark.pk}") is not None


def heading(response) -> str:
    return BeautifulSoup(response.content, "html.parser").select_one("h2.heading").get_text()


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_bookmark_listings_follow_the_rules(people, viewer, state):
    bookmark = bookmark_in(state, people)
    client = client_for(people, viewer)
    expected = sees(viewer, state)
    pages = [
        "/users/pell_bookmarker/bookmarks",
        "/users/pell_bookmarker/pseuds/pell_bookmarker/bookmarks",
        "/tags/matrix mark/bookmarks",
        "/tags/Lighthouse Keepers/bookmarks",
        "/bookmarks",
        "/bookmarks/search?bookmark_search[bookmark_query]=cove",
    ]
    for path in pages:
        response = client.get(path)
        if path in TAG_PAGES and not knows_tag(TAG_PAGES[path], viewer, state):
            assert response.status_code == 404, path
            continue
        assert response.status_code == 200, path
        assert listed(response, bookmark) is expected, (path, viewer, state)
        if not path.startswith("/bookmarks/search"):
            assert heading(response).startswith("1 - 1 of 1 " if expected else "0 "), path
    detail = client.get(f"/bookmarks/{bookmark.pk}")
    assert detail.status_code == (200 if expected else 404)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_work_bookmarks_page_lists_public_bookmarks_only(people, viewer):
    public = bookmark_in("public", people)
    work = public.work
    other = UserFactory()
    private = bookmark_create(user=other, pseud=other.pseuds.get(), work=work, private=True)
    response = client_for(people, viewer).get(f"/works/{work.pk}/bookmarks")
    assert response.status_code == 200
    assert listed(response, public)
    assert not listed(response, private)
    assert heading(response) == "1 - 1 of 1 Bookmarks for The Hidden Cove"


def test_work_bookmarks_page_of_restricted_work_asks_guest_to_log_in(people):
    bookmark = bookmark_in("restricted", people)
    response = Client().get(f"/works/{bookmark.work_id}/bookmarks")
    assert response.status_code == 302
    assert response["Location"] == "/users/login?restricted=true"
    assert not listed(response, bookmark)


@pytest.mark.parametrize("state", ["hidden_work", "draft_work"])
def test_work_bookmarks_page_of_unseen_work_is_missing(people, state):
    bookmark = bookmark_in(state, people)
    response = client_for(people, "reader").get(f"/works/{bookmark.work_id}/bookmarks")
    assert response.status_code == 404


def test_anonymous_work_blurb_names_nobody(people):
    bookmark = bookmark_in("anonymous", people)
    response = Client().get("/users/pell_bookmarker/bookmarks")
    soup = BeautifulSoup(response.content, "html.parser")
    item = soup.select_one(f"li#bookmark_{bookmark.pk}")
    assert "Anonymous" in item.select_one("h4.heading").get_text()
    assert "wren_writer" not in response.content.decode()


def test_series_bookmark_shows_only_while_the_series_has_a_visible_work(people):
    owner = people["owner"]
    work = WorkFactory(creator=people["creator"])
    series = add_to_series(work)
    bookmark = bookmark_create(user=owner, pseud=owner.pseuds.get(), series=series)
    assert user_bookmarks(viewer=None, user=owner).total == 1
    Work.objects.filter(pk=work.pk).update(restricted=True)
    assert user_bookmarks(viewer=None, user=owner).total == 0
    assert user_bookmarks(viewer=people["reader"], user=owner).items[0].bookmark == bookmark


def test_muted_bookmarker_is_left_out_of_tag_listings_but_not_her_own_page(people):
    bookmark = bookmark_in("public", people)
    reader = people["reader"]
    UserMute.objects.create(user=reader, muted=people["owner"])
    tag = Tag.objects.get(name="matrix mark")
    assert tag_bookmarks(viewer=reader, tag=tag).total == 0
    assert user_bookmarks(viewer=reader, user=people["owner"]).items[0].bookmark == bookmark
    search = BookmarkSearch(query="cove")
    assert bookmark_search(viewer=reader, search=search).total == 0
