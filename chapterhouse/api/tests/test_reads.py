"""The read operations: what each answers, and that it shows a caller exactly
what the site's pages show the same person (guest, reader, creator, admin ×
posted, restricted, draft, hidden, anonymous)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.exchange.downloads.files import served_formats
from chapterhouse.responses.models import Bookmark
from chapterhouse.tags.models import Tag
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Series, WorkTag
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

FANDOM = "Harbour Lights"


class Library:
    """A small archive: one creator's works in every state, a reader, an admin."""

    def __init__(self):
        self.creator = UserFactory(username="wren_writer")
        self.reader = UserFactory(username="ashby_reader")
        self.admin = UserFactory(username="keeper_admin", is_staff=True)
        self.works = {
            "posted": WorkFactory(creator=self.creator, title="Lantern Hours", chapters=2,
                                  fandom=FANDOM),
            "restricted": WorkFactory(creator=self.creator, title="Quiet Harbour",
                                      restricted=True, fandom=FANDOM),
            "draft": WorkFactory(creator=self.creator, title="Unfinished Tide", posted=False,
                                 fandom=FANDOM),
            "hidden": WorkFactory(creator=self.creator, title="Withdrawn Sails",
                                  hidden_by_admin=True, fandom=FANDOM),
            "anonymous": WorkFactory(creator=self.creator, title="Nameless Shore",
                                     anonymous=True, fandom=FANDOM),
        }
        # The fandom is canonical, so its works listing holds its works
        # (through their effective filter tags, as wrangling keeps them).
        Tag.objects.filter(name=FANDOM).update(canonical=True)
        work_filter_tags_refresh(work_ids=[w.pk for w in self.works.values()])
        self.series = add_to_series(self.works["posted"], Series.objects.create(title="Tidewater"))
        add_to_series(self.works["restricted"], self.series, position=2)
        pseud = self.reader.pseuds.get(is_default=True)
        self.public_bookmark = Bookmark.objects.create(
            user=self.reader, pseud=pseud, work=self.works["posted"], notes="<p>Lovely.</p>"
        )
        self.restricted_bookmark = Bookmark.objects.create(
            user=self.reader, pseud=pseud, work=self.works["restricted"]
        )
        self.private_bookmark = Bookmark.objects.create(
            user=self.reader, pseud=pseud, work=self.works["anonymous"], private=True
        )
        self.keys = {
            who: token_create(user=getattr(self, who), name="tests", scopes=["read"])[1]
            for who in ("creator", "reader", "admin")
        }

    def user(self, who):
        return None if who == "guest" else getattr(self, who)


@pytest.fixture
def library(db):
    return Library()


def api(path: str, key: str | None = None, **params):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return Client().get(f"/api/v1{path}", params, headers=headers)


def site(path: str, user=None, **params):
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.get(path, params)


def listed_ids(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'<li id="work_(\d+)" class="work blurb', response
                                         .content.decode())}


VIEWERS = ["guest", "reader", "creator", "admin"]
EXPECTED_WORK_STATUS = {
    # state:       guest, reader, creator, admin
    "posted": (200, 200, 200, 200),
    "restricted": (401, 200, 200, 200),
    "draft": (404, 404, 200, 404),
    "hidden": (404, 404, 200, 200),
    "anonymous": (200, 200, 200, 200),
}


# One work ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", list(EXPECTED_WORK_STATUS))
def test_work_answer_matches_the_work_page_for_every_viewer(library, state):
    work = library.works[state]
    for who, expected in zip(VIEWERS, EXPECTED_WORK_STATUS[state], strict=True):
        answer = api(f"/works/{work.pk}", library.keys.get(who))
        assert answer.status_code == expected, (state, who)
        page = site(f"/works/{work.pk}", library.user(who))
        if expected == 404:
            assert page.status_code == 404
            assert answer.json() == {"detail": "We couldn't find that work."}
        elif expected == 401:
            # The site asks the guest to log in; the API asks for a token.
            assert page.status_code == 302
            assert page["Location"] == "/users/login?restricted=true"
            assert "signed-in readers" in answer.json()["detail"]
        else:
            assert page.status_code in (200, 302)  # a chaptered work leads to chapter 1
            assert not page.get("Location", "").startswith("/users/login")
            assert answer.json()["title"] == work.title


def test_work_shows_what_its_page_shows(library):
    work = library.works["posted"]
    body = api(f"/works/{work.pk}").json()
    assert body["url"] == f"http://testserver/works/{work.pk}".replace(
        "http://testserver", body["url"].split("/works/")[0]
    )
    assert body["url"].endswith(f"/works/{work.pk}")
    assert body["creators"] == [{
        "name": "wren_writer", "username": "wren_writer",
        "url": body["creators"][0]["url"],
    }]
    assert body["creators"][0]["url"].endswith("/users/wren_writer/pseuds/wren_writer")
    assert [t["name"] for t in body["fandoms"]] == [FANDOM]
    assert [t["name"] for t in body["rating"]] == ["General Audiences"]
    assert [t["name"] for t in body["warnings"]] == ["No Archive Warnings Apply"]
    assert body["chapters_display"] == "2/?"
    assert [c["position"] for c in body["chapters"]] == [1, 2]
    assert [c["title"] for c in body["chapters"]] == ["Part 1", "Part 2"]
    assert body["series"] == [{
        "id": library.series.pk, "title": "Tidewater", "position": 1,
        "url": body["series"][0]["url"],
    }]
    assert {"epub", "pdf", "html", "txt"} <= set(body["downloads"])
    assert set(body["downloads"]) == set(served_formats())
    assert body["downloads"]["epub"].endswith(f"/downloads/{work.pk}/Lantern_Hours.epub")
    assert body["summary"].startswith("<p>A storm")
    assert body["stats"] == {"hits": 0, "kudos": 0, "comments": 0, "bookmarks": 0}


def test_series_position_counts_only_works_the_caller_may_see(library):
    restricted = library.works["restricted"]
    body = api(f"/works/{restricted.pk}", library.keys["reader"]).json()
    assert body["series"][0]["position"] == 2


@pytest.mark.parametrize("who", VIEWERS)
def test_anonymous_work_never_names_its_creator(library, who):
    work = library.works["anonymous"]
    body = api(f"/works/{work.pk}", library.keys.get(who)).json()
    assert body["creators"] == [{"name": "Anonymous", "username": None, "url": None}]
    listing = api("/works", library.keys.get(who)).json()
    for result in listing["results"]:
        if result["id"] == work.pk:
            assert result["creators"][0]["name"] == "Anonymous"
            assert "wren_writer" not in str(result)


def test_unknown_work_is_404_with_detail(library):
    answer = api("/works/999999")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "We couldn't find that work."}


# Chapters ---------------------------------------------------------------------------------


def test_work_chapters_give_the_text_in_order(library):
    work = library.works["posted"]
    body = api(f"/works/{work.pk}/chapters").json()
    assert [c["position"] for c in body] == [1, 2]
    assert body[1]["content"] == "<p>Chapter 2 begins with rain against the glass.</p>"
    assert body[0]["words"] > 0


def test_unposted_chapter_is_for_its_creators_alone(library):
    work = library.works["posted"]
    chapter = work.chapters.order_by("position").last()
    chapter.posted = False
    chapter.save()
    guest = api(f"/works/{work.pk}/chapters").json()
    assert len(guest) == 1
    assert api(f"/chapters/{chapter.pk}").status_code == 404
    assert api(f"/chapters/{chapter.pk}", library.keys["reader"]).status_code == 404
    own = api(f"/chapters/{chapter.pk}", library.keys["creator"])
    assert own.status_code == 200
    assert own.json()["posted"] is False
    assert len(api(f"/works/{work.pk}/chapters", library.keys["creator"]).json()) == 2
    # The work's own chapter index agrees.
    assert len(api(f"/works/{work.pk}").json()["chapters"]) == 1


@pytest.mark.parametrize("state", list(EXPECTED_WORK_STATUS))
def test_chapter_answer_follows_its_work(library, state):
    work = library.works[state]
    chapter = work.chapters.first()
    for who, expected in zip(VIEWERS, EXPECTED_WORK_STATUS[state], strict=True):
        answer = api(f"/chapters/{chapter.pk}", library.keys.get(who))
        assert answer.status_code == expected, (state, who)
        page = site(f"/chapters/{chapter.pk}", library.user(who))
        assert (page.status_code == 404) == (expected == 404), (state, who)
        if expected == 200:
            assert answer.json()["content"].startswith("<p>Chapter 1")


# Listings ---------------------------------------------------------------------------------


def _ids(answer) -> set[int]:
    assert answer.status_code == 200, answer.content
    return {work["id"] for work in answer.json()["results"]}


@pytest.mark.parametrize("who", VIEWERS)
def test_listings_show_what_the_site_listings_show(library, who):
    key, user = library.keys.get(who), library.user(who)
    pairs = [
        (api("/works", key, tag_id=FANDOM), site("/works", user, tag_id=FANDOM)),
        (api(f"/tags/{FANDOM}/works", key), site(f"/tags/{FANDOM}/works", user)),
        (api("/users/wren_writer/works", key), site("/users/wren_writer/works", user)),
        (api("/users/wren_writer/pseuds/wren_writer/works", key),
         site("/users/wren_writer/pseuds/wren_writer/works", user)),
    ]
    for answer, page in pairs:
        assert page.status_code == 200
        assert listed_ids(page)  # the comparison means something
        assert _ids(answer) == listed_ids(page)
        assert answer.json()["count"] == len(listed_ids(page))


def test_listings_by_viewer(library):
    works = library.works
    tag_works = {who: _ids(api(f"/tags/{FANDOM}/works", library.keys.get(who)))
                 for who in VIEWERS}
    assert tag_works["guest"] == {works["posted"].pk, works["anonymous"].pk}
    assert tag_works["reader"] == {works["posted"].pk, works["restricted"].pk,
                                   works["anonymous"].pk}
    assert tag_works["admin"] == tag_works["reader"] | {works["hidden"].pk}
    # The creator's listing of her own works holds her anonymous work; nobody else's does.
    mine = _ids(api("/users/wren_writer/works", library.keys["creator"]))
    theirs = _ids(api("/users/wren_writer/works", library.keys["reader"]))
    assert works["anonymous"].pk in mine
    assert works["anonymous"].pk not in theirs
    assert works["draft"].pk not in mine  # listings hold posted works only


def test_search_uses_the_site_parameters_and_aliases(library):
    works = library.works
    by_title = api("/works", **{"work_search[title]": "Lantern"})
    assert _ids(by_title) == {works["posted"].pk}
    assert _ids(api("/works", q="Nameless")) == {works["anonymous"].pk}
    assert _ids(api("/works", title="Lantern")) == {works["posted"].pk}
    # Searching by creator never finds an anonymous work.
    assert works["anonymous"].pk not in _ids(api("/works", creators="wren_writer"))
    ordered = api("/works", sort="title_to_sort_on").json()["results"]
    assert [w["title"] for w in ordered] == ["Lantern Hours", "Nameless Shore"]


def test_search_explains_what_it_could_not_use(library):
    body = api("/works", sort="sparkle").json()
    assert any("sparkle" in notice for notice in body["notices"])


@pytest.mark.parametrize("path", ["/works", f"/tags/{FANDOM}/works", "/users/wren_writer/works"])
def test_an_id_past_the_largest_tag_id_lists_nothing_and_says_why(library, path):
    answer = api(path, **{"include_work_search[rating_ids][]": "2147483648"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 0
    assert "No tag has the id “2147483648”, so no work can include it." in body["notices"]


def test_listing_pages_link_to_each_other(library):
    small = [WorkFactory(creator=library.reader, title=f"Small Hours {n}", fandom="Tiny")
             for n in range(25)]
    Tag.objects.filter(name="Tiny").update(canonical=True)
    work_filter_tags_refresh(work_ids=[w.pk for w in small])
    first = api("/tags/Tiny/works").json()
    assert (first["count"], first["page"], first["pages"]) == (25, 1, 2)
    assert len(first["results"]) == 20
    assert first["previous"] is None and "page=2" in first["next"]
    second = api("/tags/Tiny/works", page=2).json()
    assert len(second["results"]) == 5
    assert second["next"] is None and "page=1" in second["previous"]


def test_unknown_places_are_404(library):
    assert api("/works", tag_id="No Such Tag").status_code == 404
    assert api("/users/nobody_here/works").status_code == 404
    assert api("/users/wren_writer/pseuds/nobody/works").status_code == 404
    assert api("/tags/No Such Tag/works").status_code == 404


# Tags -------------------------------------------------------------------------------------


def test_tag_describes_its_place_and_counts_visible_works(library):
    fandom = tag(FANDOM)
    synonym = tag("Harbor Lights", "Fandom")
    synonym.merger = fandom
    synonym.save()
    WorkTag.objects.create(work=library.works["posted"], tag=synonym)  # a guest sees it used
    body = api(f"/tags/{FANDOM}").json()
    assert body["type"] == "Fandom" and body["canonical"] is True
    assert [t["name"] for t in body["synonyms"]] == ["Harbor Lights"]
    assert body["work_count"] == 2
    assert api(f"/tags/{FANDOM}", library.keys["reader"]).json()["work_count"] == 3
    merged = api("/tags/harbor lights").json()
    assert merged["merger"]["name"] == FANDOM
    assert merged["works_url"].endswith("/tags/Harbour%20Lights/works")


def test_unknown_tag_is_404(library):
    answer = api("/tags/Nothing Like It")
    assert answer.status_code == 404
    assert "tag" in answer.json()["detail"]


# Series -----------------------------------------------------------------------------------


def test_series_lists_only_works_the_caller_may_see(library):
    guest = api(f"/series/{library.series.pk}").json()
    assert [w["title"] for w in guest["works"]["results"]] == ["Lantern Hours"]
    assert guest["work_count"] == 1
    assert guest["creators"][0]["username"] == "wren_writer"
    reader = api(f"/series/{library.series.pk}", library.keys["reader"]).json()
    assert [w["title"] for w in reader["works"]["results"]] == ["Lantern Hours",
                                                                 "Quiet Harbour"]


def test_series_of_only_hidden_works_is_404_as_on_the_site(library):
    lonely = add_to_series(library.works["draft"], Series.objects.create(title="Drafts Only"))
    assert api(f"/series/{lonely.pk}").status_code == 404
    assert site(f"/series/{lonely.pk}").status_code == 404
    assert api(f"/series/{lonely.pk}", library.keys["creator"]).status_code == 200


def test_series_never_pairs_an_anonymous_work_with_named_ones(library):
    anonymous = library.works["anonymous"]
    add_to_series(anonymous, library.series, position=3)
    body = api(f"/series/{library.series.pk}").json()
    # Beside named works the anonymous one is not listed (docs/visibility.md).
    assert anonymous.pk not in [w["id"] for w in body["works"]["results"]]
    assert [c["username"] for c in body["creators"]] == ["wren_writer"]
    # A series of anonymous works alone lists them and names no creator.
    alone = add_to_series(anonymous)
    body = api(f"/series/{alone.pk}").json()
    assert [w["id"] for w in body["works"]["results"]] == [anonymous.pk]
    assert body["creators"] == [{"name": "Anonymous", "username": None, "url": None}]


# Users ------------------------------------------------------------------------------------


def test_user_profile_counts_what_the_caller_may_see(library):
    guest = api("/users/wren_writer").json()
    assert [p["name"] for p in guest["pseuds"]] == ["wren_writer"]
    assert guest["work_count"] == 1  # the anonymous work is not counted for others
    assert api("/users/wren_writer", library.keys["reader"]).json()["work_count"] == 2
    # Her own hidden work too, as her works page shows her.
    assert api("/users/wren_writer", library.keys["creator"]).json()["work_count"] == 4
    assert api("/users/nobody_here").status_code == 404


# Bookmarks --------------------------------------------------------------------------------


def test_bookmarks_follow_the_site_privacy(library):
    public, restricted, private = (library.public_bookmark, library.restricted_bookmark,
                                   library.private_bookmark)
    assert api(f"/bookmarks/{public.pk}").status_code == 200
    assert api(f"/bookmarks/{restricted.pk}").status_code == 404
    assert api(f"/bookmarks/{restricted.pk}", library.keys["creator"]).status_code == 200
    assert api(f"/bookmarks/{private.pk}", library.keys["creator"]).status_code == 404
    own = api(f"/bookmarks/{private.pk}", library.keys["reader"])
    assert own.status_code == 200 and own.json()["private"] is True
    # A private bookmark of an anonymous work still hides the work's creator.
    assert own.json()["work"]["creators"][0]["name"] == "Anonymous"
    for who in VIEWERS:
        ids = {b["id"] for b in api("/users/ashby_reader/bookmarks",
                                    library.keys.get(who)).json()["results"]}
        page = site("/users/ashby_reader/bookmarks", library.user(who)).content.decode()
        shown = {int(pk) for pk in re.findall(r'id="bookmark_(\d+)"', page)}
        assert ids == shown, who


def test_work_bookmarks_list_public_ones(library):
    work = library.works["posted"]
    body = api(f"/works/{work.pk}/bookmarks").json()
    assert [b["id"] for b in body["results"]] == [library.public_bookmark.pk]
    first = body["results"][0]
    assert first["kind"] == "work" and first["notes"] == "<p>Lovely.</p>"
    assert first["bookmarker"]["username"] == "ashby_reader"
    assert first["work"]["title"] == "Lantern Hours"
    restricted = library.works["restricted"]
    assert api(f"/works/{restricted.pk}/bookmarks").status_code == 401
    assert api(f"/works/{library.works['draft'].pk}/bookmarks").status_code == 404


# Me ---------------------------------------------------------------------------------------


def test_me_names_the_token_owner_and_scopes(library):
    body = api("/me", library.keys["reader"]).json()
    assert body["username"] == "ashby_reader"
    assert body["token"]["scopes"] == ["read"]
    assert body["token"]["prefix"] == library.keys["reader"][:10]


def test_me_needs_a_token(library):
    answer = api("/me")
    assert answer.status_code == 401
    assert "token" in answer.json()["detail"]


def test_a_revoked_or_unknown_token_is_refused_not_treated_as_guest(library):
    answer = api(f"/works/{library.works['posted'].pk}", "chx_not-a-real-token")
    assert answer.status_code == 401
    assert "not valid" in answer.json()["detail"]


def test_odd_ids_and_names_are_simply_not_there(library):
    huge = 2**70
    for path in (f"/works/{huge}", f"/chapters/{huge}", f"/series/{huge}",
                 f"/bookmarks/{huge}", "/users/nul%00name", "/tags/nul%00tag"):
        answer = api(path)
        assert answer.status_code == 404, path
        assert "detail" in answer.json()
    assert api("/works", **{"work_search[fandom_names]": "bad\x00name"}).status_code == 200
