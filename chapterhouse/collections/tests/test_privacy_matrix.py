"""Unrevealed and anonymous collections: every door against every viewer,
before and after the reveal.

Expectations written from docs/collections.md, not from the code:

- unrevealed: the work's creators, the collection's maintainers and admins
  see the work as itself on the work page, the collection's pages and the
  API; everyone else gets "Mystery Work" on the work page and a mystery blurb
  on the collection's pages, and no title anywhere. Until the reveal the work
  is in no other listing (tag pages, search, feeds, user pages) for anyone.
- anonymous: nobody but the creators and admins learns who wrote it, on any
  page, until the reveal.
- after the reveal: everyone sees the work, its title and its creator.
"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections import services
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["guest", "member", "creator", "maintainer", "admin"]
UNMASKERS = {"creator", "maintainer", "admin"}
TITLE = "Tidewater Unrevealed Lantern"
CREATOR = "quillon_secret"
MYSTERY_NOTICE = "This work is part of an ongoing challenge and will be revealed soon!"


class World:
    def __init__(self, *, unrevealed: bool, anonymous: bool):
        self.creator = UserFactory(username=CREATOR)
        self.owner = UserFactory(username="harbour_owner")
        self.users = {
            "member": UserFactory(username="plain_member"),
            "creator": self.creator,
            "maintainer": UserFactory(username="fest_moderator"),
            "admin": UserFactory(username="site_admin", is_staff=True),
        }
        self.collection = services.collection_create(
            user=self.owner,
            name="tide_fest",
            title="Tide Fest",
            summary="<p>Stories of the tide.</p>",
            unrevealed=unrevealed,
            anonymous=anonymous,
        )
        services.maintainer_add(
            user=self.owner, collection=self.collection, username="fest_moderator"
        )
        self.work = WorkFactory(creator=self.creator, title=TITLE, fandom="Tidewater")
        # Another work of the fandom, so the tag's page exists for everyone.
        self.other = WorkFactory(title="Plain Harbour Story", fandom="Tidewater")
        work_filter_tags_refresh(work_ids=[self.work.pk, self.other.pk])
        result = services.collection_items_add(user=self.creator, work=self.work, names="tide_fest")
        assert result.added

    def client(self, viewer) -> Client:
        client = Client()
        if viewer != "guest":
            client.force_login(
                self.users[viewer], backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def reveal(self):
        services.collection_reveal(user=self.owner, collection=self.collection)


def text(response) -> str:
    return response.content.decode()


def main(response) -> str:
    """The page without its header (which greets a signed-in viewer by name)."""
    if "html" not in response.get("Content-Type", ""):
        return text(response)  # a feed or the API
    page = BeautifulSoup(text(response), "html.parser")
    found = page.select_one("#main")
    return str(found) if found is not None else text(response)


@pytest.fixture
def unrevealed():
    return World(unrevealed=True, anonymous=False)


@pytest.fixture
def anonymous():
    return World(unrevealed=False, anonymous=True)


# Unrevealed ------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_work_page_is_a_mystery_until_revealed(unrevealed, viewer):
    client = unrevealed.client(viewer)
    response = client.get(f"/works/{unrevealed.work.pk}")
    assert response.status_code == 200
    page = BeautifulSoup(text(response), "html.parser")
    if viewer in UNMASKERS:
        assert TITLE in text(response)
        assert page.select_one("dl.work.meta.group") is not None
        assert [a["href"] for a in page.select("dd.collections a")] == ["/collections/tide_fest"]
        # The same notice, above the work.
        assert any(MYSTERY_NOTICE in p.get_text() for p in page.select("p.notice"))
    else:
        assert page.title.get_text().startswith("Mystery Work")
        assert TITLE not in text(response) and CREATOR not in text(response)
        assert page.select_one("dl.work.meta.group") is None
        notice = page.select_one("p.notice")
        assert MYSTERY_NOTICE in notice.get_text()
        assert notice.a["href"] == "/collections/tide_fest"
    unrevealed.reveal()
    response = client.get(f"/works/{unrevealed.work.pk}")
    assert TITLE in text(response) and MYSTERY_NOTICE not in text(response)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_collection_works_listing_shows_a_mystery_blurb_until_revealed(unrevealed, viewer):
    client = unrevealed.client(viewer)
    response = client.get("/collections/tide_fest/works")
    page = BeautifulSoup(text(response), "html.parser")
    assert "1 - 1 of 1 Works in" in text(response)
    (li,) = page.select("ol.work.index.group > li")
    assert li["id"] == f"work_{unrevealed.work.pk}"
    if viewer in UNMASKERS:
        assert TITLE in str(li) and "mystery" not in li["class"]
    else:
        assert li["class"] == ["mystery", "work", "blurb", "group", f"work-{unrevealed.work.pk}"]
        assert (
            li.select_one("div.mystery.header.picture.module h4.heading").get_text()
            == "Mystery Work"
        )
        assert TITLE not in main(response) and CREATOR not in main(response)
    unrevealed.reveal()
    response = client.get("/collections/tide_fest/works")
    assert TITLE in text(response) and "Mystery Work" not in text(response)


def _public_doors(world, client):
    fandom = "Tidewater"
    return {
        "tag listing": client.get(f"/tags/{fandom}/works"),
        "search": client.get("/works/search", {"work_search[query]": "Tidewater Lantern"}),
        "works index": client.get("/works"),
        "user works": client.get(f"/users/{CREATOR}/works"),
        "tag feed": client.get(f"/tags/{fandom}/feed.atom"),
    }


@pytest.mark.parametrize("viewer", VIEWERS)
def test_unrevealed_work_is_in_no_other_listing_until_revealed(unrevealed, viewer):
    client = unrevealed.client(viewer)
    for door, response in _public_doors(unrevealed, client).items():
        assert response.status_code == 200, door
        assert TITLE not in text(response), door
    unrevealed.reveal()
    for door, response in _public_doors(unrevealed, client).items():
        assert TITLE in text(response), door


def test_api_keeps_the_work_from_guests_until_revealed(unrevealed):
    # The API's callers are guests or token holders (not the site's session).
    client = Client()
    response = client.get(f"/api/v1/works/{unrevealed.work.pk}")
    assert response.status_code == 404 and TITLE not in text(response)
    assert TITLE not in text(client.get("/api/v1/works"))
    unrevealed.reveal()
    response = client.get(f"/api/v1/works/{unrevealed.work.pk}")
    assert response.status_code == 200 and TITLE in text(response)


def _collection_pages(world, client):
    return {
        "bookmarks": client.get("/collections/tide_fest/bookmarks"),
        "fandoms": client.get("/collections/tide_fest/fandoms"),
        "tags": client.get("/collections/tide_fest/tags"),
        "people": client.get("/collections/tide_fest/people"),
        "gifts": client.get("/collections/tide_fest/gifts"),
        "collected": client.get(f"/users/{CREATOR}/works/collected"),
        "index": client.get("/collections"),
    }


#: What each page shows of the work to whoever sees it as itself.
SHOWN_ON = {
    "bookmarks": "tide_marker", "fandoms": "Tidewater", "tags": "Lantern Secret Tag",
    "people": CREATOR, "gifts": "tide_friend", "collected": TITLE, "index": "Tide Fest",
}


def _with_gift_and_bookmark(world):
    from chapterhouse.responses.models import Bookmark
    from chapterhouse.works.models import Gift, WorkTag
    from chapterhouse.works.tests.factories import tag

    marker = UserFactory(username="tide_marker")
    Bookmark.objects.create(user=marker, pseud=marker.pseuds.get(is_default=True), work=world.work)
    Gift.objects.create(work=world.work, recipient_name="tide_friend")
    WorkTag.objects.create(work=world.work, tag=tag("Lantern Secret Tag"), position=9)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_collection_pages_keep_the_unrevealed_work_until_revealed(unrevealed, viewer):
    _with_gift_and_bookmark(unrevealed)
    client = unrevealed.client(viewer)
    pages = _collection_pages(unrevealed, client)
    for door, response in pages.items():
        assert response.status_code == 200, door
        shown = main(response)
        if viewer in UNMASKERS:
            assert SHOWN_ON[door] in shown, door
        else:
            secrets = (TITLE, CREATOR, "Tidewater", "Lantern Secret Tag", "tide_friend",
                       "tide_marker")
            for secret in secrets:
                if door == "collected" and secret == CREATOR:
                    continue  # the page's own heading names her
                assert secret not in shown, (door, secret)
    if viewer not in UNMASKERS:
        for door in ("gifts", "collected"):
            page = BeautifulSoup(text(pages[door]), "html.parser")
            (li,) = page.select("li.mystery.work.blurb")
            assert li.select_one("h5.heading a")["href"] == "/collections/tide_fest", door
        for door in ("fandoms", "tags", "people", "bookmarks"):
            assert BeautifulSoup(text(pages[door]), "html.parser").select_one(
                "#main > h2.heading"
            ).get_text().startswith("0 "), door
    # Mysteries are counted as listed (AO3's count), for everyone.
    index = BeautifulSoup(text(pages["index"]), "html.parser")
    assert index.select_one("dd.works").get_text() == "1"
    unrevealed.reveal()
    for door, response in _collection_pages(unrevealed, client).items():
        shown = main(response)
        assert SHOWN_ON[door] in shown and "Mystery Work" not in shown, door


# Anonymous -------------------------------------------------------------------------------


def _anonymous_doors(world, client):
    return {
        "work page": client.get(f"/works/{world.work.pk}"),
        "collection works": client.get("/collections/tide_fest/works"),
        "tag listing": client.get("/tags/Tidewater/works"),
        "search": client.get("/works/search", {"work_search[query]": "Tidewater Lantern"}),
        "api": client.get(f"/api/v1/works/{world.work.pk}"),
        "tag feed": client.get("/tags/Tidewater/feed.atom"),
    }


@pytest.mark.parametrize("viewer", ["guest", "member", "maintainer"])
def test_anonymous_collection_names_nobody_until_revealed(anonymous, viewer):
    client = anonymous.client(viewer)
    for door, response in _anonymous_doors(anonymous, client).items():
        assert CREATOR not in main(response), door
    page = BeautifulSoup(text(client.get(f"/works/{anonymous.work.pk}")), "html.parser")
    assert page.select_one("h3.byline.heading").get_text(strip=True) == "Anonymous"
    assert TITLE not in text(client.get(f"/users/{CREATOR}/works"))
    by_name = client.get("/works/search", {"work_search[query]": CREATOR})
    assert TITLE not in text(by_name)
    anonymous.reveal()
    page = BeautifulSoup(text(client.get(f"/works/{anonymous.work.pk}")), "html.parser")
    assert page.select_one("h3.byline.heading").get_text(strip=True) == CREATOR
    assert CREATOR in main(client.get("/collections/tide_fest/works"))
    assert TITLE in text(client.get(f"/users/{CREATOR}/works"))
    assert TITLE in text(client.get("/works/search", {"work_search[query]": CREATOR}))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_anonymous_collection_pages_name_nobody_until_revealed(anonymous, viewer):
    _with_gift_and_bookmark(anonymous)
    client = anonymous.client(viewer)
    people = client.get("/collections/tide_fest/people")
    assert CREATOR not in main(people)
    collected = main(client.get(f"/users/{CREATOR}/works/collected"))
    assert (TITLE in collected) == (viewer == "creator")
    for door in ("bookmarks", "gifts"):
        shown = main(client.get(f"/collections/tide_fest/{door}"))
        assert TITLE in shown, door
        # Creators and admins see "Anonymous [NAME]", as on the work page.
        assert (CREATOR in shown) == (viewer in ("creator", "admin")), door
    anonymous.reveal()
    assert CREATOR in main(client.get("/collections/tide_fest/people"))
    assert TITLE in main(client.get(f"/users/{CREATOR}/works/collected"))
    assert CREATOR in main(client.get("/collections/tide_fest/gifts"))


@pytest.mark.parametrize("viewer", ["creator", "admin"])
def test_creator_and_admin_see_who_wrote_it_in_brackets(anonymous, viewer):
    client = anonymous.client(viewer)
    page = BeautifulSoup(text(client.get(f"/works/{anonymous.work.pk}")), "html.parser")
    byline = page.select_one("h3.byline.heading")
    assert byline.get_text(" ", strip=True).startswith("Anonymous")
    assert byline.select_one("a[rel=author]").get_text() == CREATOR


# Moderated -------------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", VIEWERS)
def test_unapproved_item_of_a_moderated_collection_appears_nowhere(viewer):
    owner = UserFactory(username="harbour_owner")
    creator = UserFactory(username=CREATOR)
    users = {
        "creator": creator,
        "maintainer": owner,
        "member": UserFactory(),
        "admin": UserFactory(is_staff=True),
    }
    services.collection_create(user=owner, name="tide_fest", title="Tide Fest", moderated=True)
    work = WorkFactory(creator=creator, title=TITLE)
    result = services.collection_items_add(user=creator, work=work, names="tide_fest")
    assert result.submitted
    client = Client()
    if viewer != "guest":
        client.force_login(users[viewer], backend="django.contrib.auth.backends.ModelBackend")
    listing = client.get("/collections/tide_fest/works")
    assert TITLE not in text(listing) and "0 Works in" in text(listing)
    index = client.get("/collections")
    assert BeautifulSoup(text(index), "html.parser").select_one("dd.works").get_text() == "0"
    page = BeautifulSoup(text(client.get(f"/works/{work.pk}")), "html.parser")
    assert page.select("dd.collections") == []
    assert "Tide Fest" not in text(client.get(f"/works/{work.pk}/collections"))


# Anonymous prompts -----------------------------------------------------------------------
#
# From docs/prompt-memes.md: an anonymous prompt's prompter is named to herself,
# the collection's maintainers and admins, and to nobody else on any page (the
# prompts listing, the prompt's page, a claimant's "My Claims").

PROMPT_VIEWERS = ["guest", "member", "prompter", "claimant", "maintainer", "admin"]
PROMPTER = "hidden_prompter"


class PromptWorld:
    def __init__(self, *, anonymous_collection: bool = False):
        from chapterhouse.collections.prompts import services as prompts

        owner = UserFactory(username="meme_owner")
        self.users = {
            "member": UserFactory(username="plain_member"),
            "prompter": UserFactory(username=PROMPTER),
            "claimant": UserFactory(username="keen_claimant"),
            "maintainer": UserFactory(username="meme_moderator"),
            "admin": UserFactory(username="site_admin", is_staff=True),
        }
        self.collection = services.collection_create(
            user=owner, name="prompt_meme", title="Prompt Meme", anonymous=anonymous_collection
        )
        services.maintainer_add(user=owner, collection=self.collection, username="meme_moderator")
        prompts.prompt_meme_set(user=owner, collection=self.collection)
        self.prompt = prompts.prompt_post(
            user=self.users["prompter"],
            collection=self.collection,
            title="Lighthouse at Midnight",
            description="<p>Someone keeps the light.</p>",
            tags={"fandoms": "Tidewater"},
            anonymous=not anonymous_collection,
        )
        prompts.claim_create(user=self.users["claimant"], prompt=self.prompt)

    def client(self, viewer) -> Client:
        client = Client()
        if viewer != "guest":
            client.force_login(
                self.users[viewer], backend="django.contrib.auth.backends.ModelBackend"
            )
        return client

    def doors(self, viewer):
        client = self.client(viewer)
        base = f"/collections/{self.collection.name}/prompts"
        found = {
            "prompts": client.get(base),
            "prompt": client.get(f"{base}/{self.prompt.pk}"),
            "filtered": client.get(base, {"tag": "Tidewater", "status": "claimed"}),
        }
        if viewer == "claimant":
            found["my claims"] = client.get("/users/keen_claimant/claims")
        if viewer == "maintainer":
            found["claims"] = client.get(f"/collections/{self.collection.name}/claims")
        return found


PROMPTER_SEES = {"prompter", "maintainer", "admin"}


@pytest.mark.parametrize("anonymous_collection", [False, True])
@pytest.mark.parametrize("viewer", PROMPT_VIEWERS)
def test_anonymous_prompt_names_its_prompter_only_to_her_maintainers_and_admins(
    viewer, anonymous_collection
):
    world = PromptWorld(anonymous_collection=anonymous_collection)
    for door, response in world.doors(viewer).items():
        assert response.status_code == 200, door
        page = main(response)
        assert "Lighthouse at Midnight" in page, door
        if viewer in PROMPTER_SEES:
            assert PROMPTER in page, door
        else:
            assert PROMPTER not in page, door
            assert "Anonymous" in page, door


# Fills on a prompt's pages ---------------------------------------------------------------
#
# A fill is shown and counted on the prompt's pages only to those who may see
# the work: an unrevealed fill to its creator (the claimant), the maintainers
# and admins, until the reveal; a restricted fill to signed-in readers.

FILL_TITLE = "Keeper of the Midnight Light"
FILL_SEES = {
    "unrevealed": {"claimant", "maintainer", "admin"},
    "restricted": {"member", "prompter", "claimant", "maintainer", "admin"},
}


@pytest.mark.parametrize("kind", ["unrevealed", "restricted"])
@pytest.mark.parametrize("viewer", PROMPT_VIEWERS)
def test_a_fill_is_shown_and_counted_only_to_who_may_see_it(viewer, kind):
    world = PromptWorld()
    work = WorkFactory(
        creator=world.users["claimant"], title=FILL_TITLE, restricted=kind == "restricted"
    )
    owner = world.collection.maintainers.get(role="owner").user
    if kind == "unrevealed":
        services.collection_edit(user=owner, collection=world.collection, unrevealed=True)
    from chapterhouse.collections.prompts import services as prompts

    services.collection_items_add(
        user=world.users["claimant"], work=work, names=world.collection.name
    )
    prompts.prompt_fill_record(user=world.users["claimant"], work=work, prompt=world.prompt)
    client = world.client(viewer)
    base = f"/collections/{world.collection.name}/prompts"
    sees = viewer in FILL_SEES[kind]
    for door in (base, f"{base}/{world.prompt.pk}"):
        page = BeautifulSoup(text(client.get(door)), "html.parser")
        assert (FILL_TITLE in main(client.get(door))) == sees, door
        assert page.select_one("dd.fills").get_text() == ("1" if sees else "0"), door
    filled = BeautifulSoup(text(client.get(base, {"status": "filled"})), "html.parser")
    assert len(filled.select("li.prompt.blurb")) == (1 if sees else 0)
    if kind == "unrevealed":
        world.collection.refresh_from_db()
        services.collection_reveal(user=owner, collection=world.collection)
        assert FILL_TITLE in main(client.get(f"{base}/{world.prompt.pk}"))
