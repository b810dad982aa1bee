"""Atom feeds of a tag's works and of a saved filter, read as a feed reader
reads them: only what a guest may see, and never an anonymous work's creator."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import services
from chapterhouse.discovery.feeds import FEED_SIZE, saved_filter_feed_path, saved_filter_token
from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"

# Until chapterhouse/urls.py includes the reader's URLs, these tests add them.
urlpatterns = [
    path("", include("chapterhouse.discovery.reader_urls")),
    path("", include("chapterhouse.urls")),
]


@pytest.fixture(autouse=True)
def _reader_urls(settings):
    try:
        reverse("reader:tag_feed", kwargs={"name": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = __name__


@pytest.fixture
def fandom(db):
    return Tag.objects.create(name="Lighthouse Keepers", type=TagType.FANDOM, canonical=True)


@pytest.fixture
def writer(db):
    return UserFactory(username="writer_wren")


def filed(work: Work) -> Work:
    for tag in work.tags.all():
        WorkFilterTag.objects.get_or_create(work=work, tag=tag)
    return work


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def titles(response) -> list[str]:
    return [entry.findtext(f"{ATOM}title") for entry in entries(response)]


def test_tag_feed_entry_has_title_link_author_summary_tags_and_updated_date(
    client, writer, fandom
):
    work = filed(WorkFactory(creator=writer, title="The Lamp Room"))
    [entry] = entries(client.get("/tags/Lighthouse Keepers/feed.atom"))
    assert entry.findtext(f"{ATOM}title") == "The Lamp Room"
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/works/{work.pk}"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "writer_wren"
    assert "two people who should talk" in entry.findtext(f"{ATOM}summary")
    terms = {c.get("term") for c in entry.findall(f"{ATOM}category")}
    assert {"Lighthouse Keepers", "General Audiences", "No Archive Warnings Apply"} <= terms
    updated = entry.findtext(f"{ATOM}updated")
    assert updated.startswith(timezone.localtime(work.revised_at).strftime("%Y-%m-%dT%H:%M"))


def test_tag_feed_never_shows_restricted_hidden_or_draft_works_even_to_a_member(
    client, user, writer, fandom
):
    filed(WorkFactory(creator=writer, title="Open Door"))
    filed(WorkFactory(creator=writer, title="Members Only", restricted=True))
    filed(WorkFactory(creator=writer, title="Taken Down", hidden_by_admin=True))
    filed(WorkFactory(creator=writer, title="Not Yet", posted=False))
    assert titles(client.get("/tags/Lighthouse Keepers/feed.atom")) == ["Open Door"]
    client.force_login(user)
    assert titles(client.get("/tags/Lighthouse Keepers/feed.atom")) == ["Open Door"]


def test_an_anonymous_work_in_a_feed_names_nobody(client, writer, fandom):
    filed(WorkFactory(creator=writer, title="Unsigned Letter", anonymous=True))
    response = client.get("/tags/Lighthouse Keepers/feed.atom")
    [entry] = entries(response)
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Anonymous"
    assert b"writer_wren" not in response.content


def test_tag_feed_lists_the_20_most_recently_updated(client, writer, fandom):
    now = timezone.now()
    for n in range(FEED_SIZE + 3):
        filed(WorkFactory(creator=writer, title=f"Log {n:02d}",
                          revised_at=now - timezone.timedelta(hours=n)))
    shown = titles(client.get("/tags/Lighthouse Keepers/feed.atom"))
    assert shown == [f"Log {n:02d}" for n in range(FEED_SIZE)]


def test_a_synonyms_feed_redirects_to_its_canonicals(client, fandom):
    synonym = Tag.objects.create(name="Lamp/Keepers", type=TagType.FANDOM, merger=fandom)
    WorkTag.objects.create(work=WorkFactory(), tag=synonym)  # a tag a guest may see used
    response = client.get("/tags/Lamp*s*Keepers/feed.atom")
    assert response.status_code == 302
    assert response["Location"] == "/tags/Lighthouse%20Keepers/feed.atom"


def test_an_unknown_tag_has_no_feed(client):
    assert client.get("/tags/Nothing Here/feed.atom").status_code == 404


def test_an_empty_tag_feed_is_still_a_valid_feed(client, fandom):
    assert entries(client.get("/tags/Lighthouse Keepers/feed.atom")) == []


# Saved filters ---------------------------------------------------------------------------------


def test_a_saved_filters_feed_lists_matching_works_a_guest_may_see(client, user, writer, fandom):
    filed(WorkFactory(creator=writer, title="Finished Watch"))
    filed(WorkFactory(creator=writer, title="Night Shift", chapters=2))
    filed(WorkFactory(creator=writer, title="Locked Watch", chapters=2, restricted=True))
    filed(WorkFactory(creator=writer, title="Draft Watch", chapters=2, posted=False))
    saved = services.saved_filter_create(
        user=user, name="Unfinished", query="tag_id=Lighthouse Keepers&work_search[complete]=F"
    )
    response = client.get(saved_filter_feed_path(saved))
    assert titles(response) == ["Night Shift"]
    root = ET.fromstring(response.content)
    assert root.findtext(f"{ATOM}title").endswith("Unfinished")


def test_a_saved_filters_feed_leaves_out_what_its_owner_muted(client, user, writer, fandom):
    other = UserFactory(username="other_oak")
    filed(WorkFactory(creator=writer, title="Muted Writer's Work"))
    filed(WorkFactory(creator=other, title="Kept Work"))
    filed(WorkFactory(creator=writer, title="Anonymous Work", anonymous=True))
    services.user_mute(user=user, muted=writer)
    saved = services.saved_filter_create(user=user, name="All", query="tag_id=Lighthouse Keepers")
    assert sorted(titles(client.get(saved_filter_feed_path(saved)))) == [
        "Anonymous Work", "Kept Work",
    ]


def test_a_saved_filter_feed_needs_its_exact_token(client, user):
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    token = saved_filter_token(saved)
    assert str(saved.pk) in token
    forged = f"{saved.pk + 1}{token[len(str(saved.pk)):]}"
    assert client.get(f"/saved_filters/{forged}/feed.atom").status_code == 404
    assert client.get(f"/saved_filters/{saved.pk}/feed.atom").status_code == 404
    assert client.get(f"/saved_filters/{token}/feed.atom").status_code == 200


def test_a_deleted_saved_filter_has_no_feed(client, user):
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    address = saved_filter_feed_path(saved)
    services.saved_filter_delete(user=user, saved_filter=saved)
    assert client.get(address).status_code == 404
