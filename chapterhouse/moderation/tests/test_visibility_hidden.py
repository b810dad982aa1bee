"""What hiding does, door by door: a work, comment or bookmark an admin hid is
gone for guests, signed-in readers and other users from every page, count,
facet, feed, catalogue, API answer and download, right after the action; its
creator and admins still see the work, with the notice; un-hiding brings
everything back."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from django.template import engines
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.api.services import token_create
from chapterhouse.discovery import services as discovery
from chapterhouse.discovery.engine.index import get_index
from chapterhouse.discovery.feeds import saved_filter_feed_path
from chapterhouse.moderation.services.content import (
    JINJA_GLOBALS,
    content_hide,
    content_mark_spam,
    content_unhide,
)
from chapterhouse.responses.models import Bookmark, Comment
from chapterhouse.responses.services.bookmarks import bookmark_count_refresh
from chapterhouse.responses.services.comments import comment_count_refresh
from chapterhouse.tags.models import Tag
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Series, WorkTag
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db

FANDOM = "Tidewatch Harbour"
ONLY_ON_HIDDEN = "Ledger Keeping"
SHOWN = "Gull Lantern"
HIDDEN = "Brine Ledger"
VIEWERS = ["guest", "reader", "other"]


class Archive:
    """Two posted works by one writer in one fandom, in one series, each
    bookmarked in public; a reader and another user with API keys."""

    def __init__(self):
        self.writer = UserFactory(username="gannet_writer")
        self.reader = UserFactory(username="heron_reader")
        self.other = UserFactory(username="petrel_other")
        self.bookmarker = UserFactory(username="tern_bookmarker")
        self.shown = WorkFactory(creator=self.writer, title=SHOWN, fandom=FANDOM)
        self.hidden = WorkFactory(creator=self.writer, title=HIDDEN, fandom=FANDOM)
        extra = tag(ONLY_ON_HIDDEN)
        WorkTag.objects.create(work=self.hidden, tag=extra, position=9)
        Tag.objects.filter(name__in=[FANDOM, ONLY_ON_HIDDEN]).update(canonical=True)
        work_filter_tags_refresh(work_ids=[self.shown.pk, self.hidden.pk])
        self.series = add_to_series(self.shown, Series.objects.create(title="Harbour Year"))
        add_to_series(self.hidden, self.series, position=2)
        pseud = self.bookmarker.pseuds.get(is_default=True)
        self.bookmarks = {
            work.pk: Bookmark.objects.create(user=self.bookmarker, pseud=pseud, work=work,
                                             notes=f"<p>Loved {work.title}.</p>")
            for work in (self.shown, self.hidden)
        }
        bookmark_count_refresh(work_ids=list(self.bookmarks))
        self.saved = discovery.saved_filter_create(
            user=self.reader, name="Harbour", query=f"tag_id={FANDOM}"
        )
        self.keys = {
            who: token_create(user=getattr(self, who), name="tests", scopes=["read"])[1]
            for who in ("reader", "other")
        }
        get_index().sync()

    def client(self, who: str) -> Client:
        client = Client()
        if who != "guest":
            client.force_login(getattr(self, who),
                               backend="django.contrib.auth.backends.ModelBackend")
        return client

    def get(self, who: str, path: str, **params):
        return self.client(who).get(path, params)

    def api(self, who: str, path: str, **params):
        key = self.keys.get(who)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return Client().get(f"/api/v1{path}", params, headers=headers)


@pytest.fixture
def archive(db):
    return Archive()


@pytest.fixture
def admin(make_admin):
    return make_admin("archivist", role="policy_abuse")


def _ok(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content.decode()


def _heading_total(html: str) -> int:
    heading = BeautifulSoup(html, "html.parser").select_one("h2.heading")
    words = " ".join(heading.get_text().split())
    found = re.search(r"of ([\d,]+) Works?", words) or re.match(r"(0) Works?", words)
    assert found, words
    return int(found.group(1).replace(",", ""))


def _facet_labels(html: str) -> set[str]:
    page = BeautifulSoup(html, "html.parser")
    return {" ".join(s.get_text().split()) for s in page.select("dd.include label span.text")}


# Each door: (name, what it answers for a viewer) -> the text a title is looked for in.
Door = Callable[[Archive, str], str]
TAG = FANDOM.replace(" ", "%20")
DOORS: dict[str, Door] = {
    "works index": lambda a, who: _ok(a.get(who, "/works")),
    "tag listing": lambda a, who: _ok(a.get(who, f"/tags/{TAG}/works")),
    "work search": lambda a, who: _ok(a.get(who, "/works/search",
                                            **{"work_search[query]": "lighthouse"})),
    "user works": lambda a, who: _ok(a.get(who, f"/users/{a.writer.username}/works")),
    "series page": lambda a, who: _ok(a.get(who, f"/series/{a.series.pk}")),
    "bookmarks index": lambda a, who: _ok(a.get(who, "/bookmarks")),
    "user bookmarks": lambda a, who: _ok(a.get(who, f"/users/{a.bookmarker.username}/bookmarks")),
    "tag bookmarks": lambda a, who: _ok(a.get(who, f"/tags/{TAG}/bookmarks")),
    "tag feed": lambda a, who: _ok(a.get(who, f"/tags/{TAG}/feed.atom")),
    "saved filter feed": lambda a, who: _ok(a.get(who, saved_filter_feed_path(a.saved))),
    "opds recent": lambda a, who: _ok(a.get(who, "/opds/recent")),
    "opds fandom": lambda a, who: _ok(a.get(who, f"/opds/fandoms/{TAG}")),
    "opds search": lambda a, who: _ok(a.get(who, "/opds/search", q="lighthouse")),
    "api works": lambda a, who: _ok(a.api(who, "/works")),
    "api tag works": lambda a, who: _ok(a.api(who, f"/tags/{TAG}/works")),
    "api user works": lambda a, who: _ok(a.api(who, f"/users/{a.writer.username}/works")),
    "api user bookmarks": lambda a, who: _ok(a.api(who,
                                                   f"/users/{a.bookmarker.username}/bookmarks")),
}


def _leaks(archive: Archive, who: str) -> list[str]:
    """Doors that show the hidden work, or stopped showing the other one."""
    found = []
    for name, door in DOORS.items():
        text = door(archive, who)
        if HIDDEN in text:
            found.append(f"{name}: shows the hidden work")
        if SHOWN not in text:
            found.append(f"{name}: lost the visible work")
    return found


def _missing(archive: Archive, who: str) -> list[str]:
    return [name for name, door in DOORS.items() if HIDDEN not in door(archive, who)]


# The work -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
def test_every_door_shows_the_work_before_it_is_hidden(archive, who):
    assert _missing(archive, who) == []


@pytest.mark.parametrize("who", VIEWERS)
def test_a_hidden_work_is_gone_from_every_door(archive, admin, who):
    content_hide(actor=admin, target=archive.hidden, reason="Copied text.")
    assert _leaks(archive, who) == []


@pytest.mark.parametrize("who", VIEWERS)
def test_a_hidden_work_is_not_found_at_its_own_addresses(archive, admin, who):
    work_id = archive.hidden.pk
    assert archive.get(who, f"/works/{work_id}").status_code == 200
    content_hide(actor=admin, target=archive.hidden, reason="Copied text.")
    assert archive.get(who, f"/works/{work_id}").status_code == 404
    chapter = archive.hidden.chapters.get()
    assert archive.get(who, f"/works/{work_id}/chapters/{chapter.pk}").status_code == 404
    assert archive.get(who, f"/downloads/{work_id}/Brine_Ledger.epub").status_code == 404
    assert archive.get(who, f"/downloads/{work_id}/Brine_Ledger.txt").status_code == 404
    assert archive.api(who, f"/works/{work_id}").status_code == 404
    assert archive.api(who, f"/works/{work_id}/chapters").status_code == 404
    assert archive.api(who, f"/works/{work_id}/comments").status_code == 404
    # The other work is still there for her.
    assert archive.get(who, f"/downloads/{archive.shown.pk}/Gull_Lantern.txt").status_code == 200
    assert archive.api(who, f"/works/{archive.shown.pk}").status_code == 200


@pytest.mark.parametrize("who", VIEWERS)
def test_counts_and_facets_leave_the_hidden_work_out(archive, admin, who):
    listing = f"/tags/{TAG}/works"
    mine = f"/users/{archive.writer.username}/works"
    before = _ok(archive.get(who, listing))
    assert _heading_total(before) == 2
    assert f"{ONLY_ON_HIDDEN} (1)" in _facet_labels(before)
    assert _heading_total(_ok(archive.get(who, mine))) == 2
    assert archive.api(who, f"/users/{archive.writer.username}").json()["work_count"] == 2

    content_hide(actor=admin, target=archive.hidden, reason="Copied text.")
    after = _ok(archive.get(who, listing))
    assert _heading_total(after) == 1
    assert not any(label.startswith(ONLY_ON_HIDDEN) for label in _facet_labels(after))
    assert _heading_total(_ok(archive.get(who, mine))) == 1
    assert archive.api(who, f"/tags/{TAG}").json()["work_count"] == 1
    assert archive.api(who, f"/users/{archive.writer.username}").json()["work_count"] == 1


def test_unhiding_brings_the_work_back_everywhere(archive, admin):
    content_hide(actor=admin, target=archive.hidden, reason="Copied text.")
    assert _leaks(archive, "guest") == []
    content_unhide(actor=admin, target=archive.hidden, reason="The creator showed her drafts.")
    for who in VIEWERS:
        assert _missing(archive, who) == []
        assert archive.get(who, f"/works/{archive.hidden.pk}").status_code == 200
    assert _heading_total(_ok(archive.get("guest", f"/tags/{TAG}/works"))) == 2


def test_hiding_a_chapter_hides_the_work_everywhere(archive, admin):
    content_hide(actor=admin, target=archive.hidden.chapters.get(), reason="Harassment.")
    assert _leaks(archive, "reader") == []


@pytest.fixture
def notice_globals():
    """The notice's Jinja globals, as ``web/jinja.py`` registers them."""
    env = engines["jinja2"].env
    missing = {k: v for k, v in JINJA_GLOBALS.items() if k not in env.globals}
    env.globals.update(missing)
    yield
    for name in missing:
        env.globals.pop(name, None)


def test_the_site_offers_the_hidden_notice_to_templates():
    env = engines["jinja2"].env
    assert {name: env.globals.get(name) for name in JINJA_GLOBALS} == JINJA_GLOBALS


@pytest.mark.usefixtures("notice_globals")
def test_its_creator_still_sees_it_with_the_reason(archive, admin, logged_in):
    content_hide(actor=admin, target=archive.hidden, reason="Tagged General but explicit.")
    response = logged_in(archive.writer).get(f"/works/{archive.hidden.pk}")
    page = BeautifulSoup(_ok(response), "html.parser")
    notice = " ".join(page.select_one("#hidden-by-admin").get_text().split())
    assert notice.startswith("Hidden by an admin on ")
    assert "Tagged General but explicit." in notice
    assert "contact support" in notice
    assert HIDDEN in _ok(logged_in(archive.writer).get(f"/users/{archive.writer.username}/works"))


@pytest.mark.usefixtures("notice_globals")
def test_admins_still_see_it_with_the_notice(archive, admin, admin_client):
    content_hide(actor=admin, target=archive.hidden, reason="Tagged General but explicit.")
    page = BeautifulSoup(_ok(admin_client(admin).get(f"/works/{archive.hidden.pk}")),
                         "html.parser")
    assert "Tagged General but explicit." in page.select_one("#hidden-by-admin").get_text()


@pytest.mark.usefixtures("notice_globals")
def test_readers_never_see_the_notice_of_a_visible_work(archive, logged_in):
    page = BeautifulSoup(_ok(logged_in(archive.writer).get(f"/works/{archive.shown.pk}")),
                         "html.parser")
    assert page.select_one("#hidden-by-admin") is None


# Comments -----------------------------------------------------------------------------------


def _comment(work, user, text) -> Comment:
    comment = Comment.objects.create(work=work, user=user,
                                     pseud=user.pseuds.get(is_default=True), content=text)
    Comment.objects.filter(pk=comment.pk).update(thread=comment)
    comment_count_refresh(work_id=work.pk)
    return comment


def _comment_doors(archive: Archive, who: str) -> tuple[str, str, int]:
    work_id = archive.shown.pk
    page = _ok(archive.get(who, f"/works/{work_id}", show_comments="true"))
    count = BeautifulSoup(page, "html.parser").select_one("dd.comments").get_text()
    api = _ok(archive.api(who, f"/works/{work_id}/comments"))
    return page, api, int(count.replace(",", ""))


@pytest.mark.parametrize("action", ["hide", "spam"])
@pytest.mark.parametrize("who", VIEWERS)
def test_a_hidden_or_spam_comment_is_gone_and_uncounted(archive, admin, who, action):
    bad = _comment(archive.shown, archive.bookmarker, "<p>Buy cheap lantern oil here.</p>")
    _comment(archive.shown, archive.reader, "<p>The gulls were perfect.</p>")
    page, api, count = _comment_doors(archive, who)
    assert "cheap lantern oil" in page and "cheap lantern oil" in api and count == 2

    if action == "hide":
        content_hide(actor=admin, target=bad, reason="Advertising.")
    else:
        content_mark_spam(actor=admin, target=bad)
    page, api, count = _comment_doors(archive, who)
    assert "cheap lantern oil" not in page
    assert "cheap lantern oil" not in api
    assert "The gulls were perfect." in page and "The gulls were perfect." in api
    assert count == 1
    listing = BeautifulSoup(_ok(archive.get(who, "/works")), "html.parser")
    blurb = listing.select_one(f"li#work_{archive.shown.pk} dd.comments")
    assert blurb.get_text().strip() == "1"

    content_unhide(actor=admin, target=bad)
    page, api, count = _comment_doors(archive, who)
    assert "cheap lantern oil" in page and count == 2


# Bookmarks ----------------------------------------------------------------------------------


def _bookmark_doors(archive: Archive, who: str) -> dict[str, str]:
    work_id = archive.shown.pk
    return {
        "work bookmarks": _ok(archive.get(who, f"/works/{work_id}/bookmarks")),
        "user bookmarks": _ok(archive.get(who, f"/users/{archive.bookmarker.username}/bookmarks")),
        "bookmarks index": _ok(archive.get(who, "/bookmarks")),
        "tag bookmarks": _ok(archive.get(who, f"/tags/{TAG}/bookmarks")),
        "api work bookmarks": _ok(archive.api(who, f"/works/{work_id}/bookmarks")),
        "api user bookmarks": _ok(archive.api(
            who, f"/users/{archive.bookmarker.username}/bookmarks")),
    }


def _bookmark_count(archive: Archive, who: str) -> int:
    """The work page's Bookmarks stat (left out, as on AO3, when there are none)."""
    page = BeautifulSoup(_ok(archive.get(who, f"/works/{archive.shown.pk}")), "html.parser")
    stat = page.select_one("dd.bookmarks")
    return int(stat.get_text().strip()) if stat is not None else 0


@pytest.mark.parametrize("who", VIEWERS)
def test_a_hidden_bookmark_is_gone_and_uncounted(archive, admin, who):
    bookmark = archive.bookmarks[archive.shown.pk]
    note = f"Loved {SHOWN}."
    assert all(note in text for text in _bookmark_doors(archive, who).values())
    assert _bookmark_count(archive, who) == 1
    owner = f"/users/{archive.bookmarker.username}"
    assert archive.api(who, owner).json()["bookmark_count"] == 2

    content_hide(actor=admin, target=bookmark, reason="Slurs in the notes.")
    showing = [name for name, text in _bookmark_doors(archive, who).items() if note in text]
    assert showing == []
    assert _bookmark_count(archive, who) == 0
    assert archive.api(who, owner).json()["bookmark_count"] == 1
    # The other work's bookmark is still listed.
    assert f"Loved {HIDDEN}." in _bookmark_doors(archive, who)["user bookmarks"]

    content_unhide(actor=admin, target=bookmark)
    assert all(note in text for text in _bookmark_doors(archive, who).values())
    assert _bookmark_count(archive, who) == 1
