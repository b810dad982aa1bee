"""Every reading page against every kind of viewer and every state of a work.

The expectations are written out from the rules in docs/visibility.md, not
computed from the code under test:

- drafts: accepted creators only; hidden by an admin: creators and admins;
  restricted: signed-in readers (guests get the log-in page, status 200);
- a draft chapter, or one scheduled for later, is for creators only; a
  scheduled chapter whose time has come is for everyone who sees the work;
- listings show posted works only, and their headings count what they show;
- a tag used on the work alone is known to whoever the work is listed for
  (and to admins), and counts only what the viewer may see.
"""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.models import Chapter, Creatorship, Work
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db

VIEWERS = ["guest", "reader", "creator", "cocreator", "invited", "admin"]
STATES = [
    "draft", "posted", "restricted", "hidden_by_admin", "draft_chapter",
    "scheduled_future", "scheduled_due",
]
CREATORS = {"creator", "cocreator"}
OPENING, SECOND = "Opening-of-the-lamp-text", "Second-of-the-lamp-text"
LOGIN_TEXT = "This work is only available to registered users of the Archive."


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def sees_work(viewer, state):
    if state == "draft":
        return viewer in CREATORS
    if state == "hidden_by_admin":
        return viewer in CREATORS or viewer == "admin"
    if state == "restricted":
        return viewer != "guest"
    return True


def sees_second_chapter(viewer, state):
    if not sees_work(viewer, state):
        return False
    if state in ("draft_chapter", "scheduled_future"):
        return viewer in CREATORS
    return True


def asked_to_log_in(viewer, state):
    return viewer == "guest" and state == "restricted"


def listed(viewer, state):
    return state != "draft" and sees_work(viewer, state)


class World:
    def __init__(self, state):
        self.creator = UserFactory(username="mara")
        self.cocreator = UserFactory(username="oren")
        self.invited = UserFactory(username="ines")
        self.reader = UserFactory(username="rita")
        self.admin = UserFactory(username="ada", is_staff=True)
        work = WorkFactory(creator=self.creator, chapters=2, title="The Lamp Room")
        Creatorship.objects.create(work=work, pseud=self.cocreator.pseuds.get(), accepted=True)
        self.series = add_to_series(work)
        Creatorship.objects.create(work=work, pseud=self.invited.pseuds.get(), accepted=False)
        first, second = work.chapters.order_by("position")
        Chapter.objects.filter(pk=first.pk).update(content=f"<p>{OPENING}</p>")
        Chapter.objects.filter(pk=second.pk).update(content=f"<p>{SECOND}</p>")
        now = timezone.now()
        works = Work.objects.filter(pk=work.pk)
        chapter_two = Chapter.objects.filter(pk=second.pk)
        if state == "draft":
            works.update(posted=False, posted_chapter_count=0)
            Chapter.objects.filter(work=work).update(posted=False)
        elif state == "restricted":
            works.update(restricted=True)
        elif state == "hidden_by_admin":
            works.update(hidden_by_admin=True)
        elif state == "draft_chapter":
            chapter_two.update(posted=False)
        elif state == "scheduled_future":
            chapter_two.update(posted=False, scheduled_for=now + datetime.timedelta(days=1))
        elif state == "scheduled_due":
            chapter_two.update(posted=False, scheduled_for=now - datetime.timedelta(minutes=5))
        self.work, self.first, self.second = work, first, second

    def client(self, viewer) -> Client:
        client = Client()
        if viewer != "guest":
            user = getattr(self, viewer)
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


@pytest.fixture(params=STATES)
def state(request):
    return request.param


@pytest.fixture(params=VIEWERS)
def viewer(request):
    return request.param


@pytest.fixture
def world(state):
    return World(state)


def get(client, url):
    """GET ``url``; a guest sent to log in for a restricted work (302 to AO3's
    ``/users/login?restricted=true``) is shown where she lands."""
    response = client.get(url)
    if response.status_code == 302 and response["Location"] == "/users/login?restricted=true":
        return client.get(response["Location"])
    return response


def text(response) -> str:
    return response.content.decode()


def test_entire_work_page(world, viewer, state):
    response = get(world.client(viewer), f"/works/{world.work.pk}?view_full_work=true")
    if not sees_work(viewer, state) and not asked_to_log_in(viewer, state):
        assert response.status_code == 404
        assert "The Lamp Room" not in text(response)
        return
    assert response.status_code == 200
    body = text(response)
    assert (LOGIN_TEXT in body) == asked_to_log_in(viewer, state)
    assert (OPENING in body) == sees_work(viewer, state)
    assert (SECOND in body) == sees_second_chapter(viewer, state)
    if sees_work(viewer, state):
        page = BeautifulSoup(body, "html.parser")
        chapters = 2 if sees_second_chapter(viewer, state) else 1
        assert len(page.select("div#chapters > div.chapter")) == (chapters if chapters > 1 else 0)


def test_work_page_redirects_only_when_several_chapters_are_visible(world, viewer, state):
    response = get(world.client(viewer), f"/works/{world.work.pk}")
    if not sees_work(viewer, state):
        expected = 200 if asked_to_log_in(viewer, state) else 404
        assert response.status_code == expected
    elif sees_second_chapter(viewer, state):
        assert response.status_code == 302
        assert response["Location"] == f"/works/{world.work.pk}/chapters/{world.first.pk}"
    else:
        assert response.status_code == 200
        assert OPENING in text(response) and SECOND not in text(response)


def test_second_chapter_page(world, viewer, state):
    response = get(world.client(viewer), f"/works/{world.work.pk}/chapters/{world.second.pk}")
    if asked_to_log_in(viewer, state):
        assert response.status_code == 200 and LOGIN_TEXT in text(response)
        assert SECOND not in text(response)
    elif sees_second_chapter(viewer, state):
        assert response.status_code == 200 and SECOND in text(response)
    else:
        assert response.status_code == 404
        assert SECOND not in text(response)


def test_short_chapter_link(world, viewer, state):
    response = get(world.client(viewer), f"/chapters/{world.second.pk}")
    if sees_second_chapter(viewer, state) or (
        asked_to_log_in(viewer, state) and sees_second_chapter("reader", state)
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/works/{world.work.pk}/chapters/{world.second.pk}"
    else:
        assert response.status_code == 404


def test_chapter_index(world, viewer, state):
    response = get(world.client(viewer), f"/works/{world.work.pk}/navigate")
    if asked_to_log_in(viewer, state):
        assert response.status_code == 200 and LOGIN_TEXT in text(response)
        return
    if not sees_work(viewer, state):
        assert response.status_code == 404
        return
    page = BeautifulSoup(text(response), "html.parser")
    entries = page.select('ol[class="chapter index group"] > li')
    assert len(entries) == (2 if sees_second_chapter(viewer, state) else 1)


@pytest.mark.parametrize("owner", ["mara", "oren"])
def test_user_works_listing(world, viewer, state, owner):
    response = get(world.client(viewer), f"/users/{owner}/works")
    assert response.status_code == 200
    page = BeautifulSoup(text(response), "html.parser")
    heading = page.select_one("h2.heading").get_text()
    blurbs = page.select("li.blurb")
    if listed(viewer, state):
        assert heading == f"1 - 1 of 1 Works by {owner}"
        assert [li["id"] for li in blurbs] == [f"work_{world.work.pk}"]
    else:
        assert heading == f"0 Works by {owner}"
        assert blurbs == [] and "The Lamp Room" not in text(response)


def test_tag_works_listing(world, viewer, state):
    from chapterhouse.tags.services.filters import work_filter_tags_refresh

    work_filter_tags_refresh(work_ids=[world.work.pk])
    response = get(world.client(viewer), "/tags/Lighthouse Keepers/works")
    if not knows_tag(viewer, state):  # the work's fandom is used on this work alone
        assert response.status_code == 404
        assert "The Lamp Room" not in text(response)
        return
    assert response.status_code == 200
    page = BeautifulSoup(text(response), "html.parser")
    heading = page.select_one("h2.heading").get_text(" ", strip=True)
    blurbs = page.select("li.blurb")
    if listed(viewer, state):
        assert heading.startswith("1 - 1 of 1 Works in")
        assert [li["id"] for li in blurbs] == [f"work_{world.work.pk}"]
    else:
        assert heading.startswith("0 Works in")
        assert blurbs == [] and "The Lamp Room" not in text(response)


def knows_tag(viewer, state):
    """A tag used on this work alone: known once a posted work the viewer may
    see uses it; admins (and wranglers) know every tag."""
    return viewer == "admin" or listed(viewer, state)


def test_tag_used_only_on_this_work(world, viewer, state):
    from chapterhouse.tags.models import Tag, TagType
    from chapterhouse.works.models import WorkTag

    tag = Tag.objects.create(name="Lamp Room Secret", type=TagType.FREEFORM)
    WorkTag.objects.create(work=world.work, tag=tag)
    client = world.client(viewer)
    known = knows_tag(viewer, state)
    assert client.get("/tags/Lamp Room Secret").status_code == (200 if known else 404)
    suggested = client.get("/autocomplete/tags", {"term": "lamp room"}).json()
    assert [row["name"] for row in suggested] == (["Lamp Room Secret"] if known else [])
    found = BeautifulSoup(text(client.get("/tags/search", {"tag_search[name]": "room secret"})),
                          "html.parser").select("ol.tag.index.group li span.count")
    counts = [each.get_text() for each in found]
    assert counts == ([f"({1 if listed(viewer, state) else 0})"] if known else [])


def test_pseud_works_listing(world, viewer, state):
    response = get(world.client(viewer), "/users/mara/pseuds/mara/works")
    heading = BeautifulSoup(text(response), "html.parser").select_one("h2.heading").get_text()
    count = "1 - 1 of 1" if listed(viewer, state) else "0"
    assert heading == f"{count} Works by mara (mara)"


def test_series_page(world, viewer, state):
    response = get(world.client(viewer), f"/series/{world.series.pk}")
    if not listed(viewer, state) and viewer not in CREATORS:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    page = BeautifulSoup(text(response), "html.parser")
    works = page.select_one("dl.stats dd.works").get_text()
    blurbs = page.select('ul[class="series work index group"] > li')
    assert works == ("1" if listed(viewer, state) else "0")
    assert len(blurbs) == int(works)


def test_user_series_listing(world, viewer, state):
    response = get(world.client(viewer), "/users/mara/series")
    heading = BeautifulSoup(text(response), "html.parser").select_one("h2.heading").get_text()
    count = "1 - 1 of 1" if listed(viewer, state) else "0"
    assert heading == f"{count} Series by mara"


def test_home_page(world, viewer, state):
    page = BeautifulSoup(text(get(world.client(viewer), "/")), "html.parser")
    ids = [li["id"] for li in page.select("li.blurb")]
    assert ids == ([f"work_{world.work.pk}"] if listed(viewer, state) else [])


def test_drafts_page(world, viewer, state):
    owner = {"creator": "mara", "cocreator": "oren"}.get(viewer, "mara")
    response = get(world.client(viewer), f"/users/{owner}/works/drafts")
    if viewer == "guest":
        assert response.status_code == 302
        return
    if viewer not in CREATORS:
        assert response.status_code == 403
        assert "The Lamp Room" not in text(response)
        return
    page = BeautifulSoup(text(response), "html.parser")
    ids = [li["id"] for li in page.select("li.blurb")]
    assert ids == ([f"work_{world.work.pk}"] if state == "draft" else [])
