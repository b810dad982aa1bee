"""Listing pages' cached blurbs (works/selectors/blurbs.py), as readers see them:
a change shows at once, and no reader sees what her class may not."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chapterhouse.accounts.models import Preference
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.services.kudos import kudos_counts_flush, kudos_give
from chapterhouse.tags.fixed import VIOLENCE
from chapterhouse.tags.models import Tag
from chapterhouse.works.models import Gift, Work, WorkTag
from chapterhouse.works.services.chapters import ChapterFields, chapter_create
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db

PAGES = ["/", "/works"]


@pytest.fixture(autouse=True)
def _index_looks_only_when_told(monkeypatch):
    """Listings follow the outbox after this process writes (every write here)."""
    from chapterhouse.discovery.engine import index

    monkeypatch.setattr(index, "LOOK_INTERVAL", 3600.0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def blurb(client, work, page="/works"):
    """The text of ``work``'s blurb on ``page``, or None when it is not listed."""
    response = client.get(page)
    assert response.status_code == 200
    node = BeautifulSoup(response.content.decode(), "html.parser").select_one(f"#work_{work.pk}")
    return None if node is None else " ".join(node.get_text().split())


@pytest.mark.parametrize("page", PAGES)
def test_kudos_show_on_the_blurb_at_once(page):
    work = WorkFactory(title="Salt and Lanterns")
    guest = Client()
    assert "Kudos:" not in blurb(guest, work, page)
    kudos_give(work=work, viewer=UserFactory())
    kudos_counts_flush()
    assert "Kudos:1" in blurb(guest, work, page)


@pytest.mark.parametrize("page", PAGES)
def test_a_hits_flush_keeps_the_cached_blurb_which_shows_the_new_count(page):
    from django.utils import timezone

    from chapterhouse.responses.services import hits
    from chapterhouse.web.caches import html_cache
    from chapterhouse.works.selectors.blurbs import GUEST, _key

    hits.hit_buffer_set(hits.MemoryBuffer())
    work = WorkFactory(title="Salt and Lanterns")
    guest = Client()
    assert "Hits:0" in blurb(guest, work, page)
    version = Work.objects.get(pk=work.pk).version
    for visitor in ("first", "second"):
        hits.hit_buffer().add(timezone.localdate(), work.pk, visitor)
    try:
        assert hits.hits_flush() == 2
    finally:
        hits.hit_buffer_set(hits.MemoryBuffer())
    # The copy made before the flush is still the one listings use ...
    assert Work.objects.get(pk=work.pk).version == version
    key = _key(work.pk, version, GUEST)
    assert html_cache.get_many([key]).get(key) is not None
    # ... and it shows the count the listing read, not the one it was made with.
    assert "Hits:2" in blurb(guest, work, page)


def test_a_new_chapter_shows_on_the_blurb():
    creator = UserFactory()
    work = WorkFactory(creator=creator, expected_chapters=None, complete=False)
    guest = Client()
    assert "Chapters:1/?" in blurb(guest, work)
    chapter_create(user=creator, work=work, fields=ChapterFields(content="<p>Then the tide.</p>"),
                   post=True)
    assert "Chapters:2/?" in blurb(guest, work)


def test_a_new_tag_a_new_title_and_a_renamed_tag_show_on_the_blurb():
    work = WorkFactory(title="Salt and Lanterns")
    guest = Client()
    assert "Found Family" not in blurb(guest, work)
    WorkTag.objects.create(work=work, tag=tag("Found Family"), position=9)
    assert "Found Family" in blurb(guest, work)
    work.title = "Salt and Lamplight"
    work.save()
    assert "Salt and Lamplight" in blurb(guest, work)
    renamed = Tag.objects.get(name="Found Family")
    renamed.name = "Found Family (Chosen)"
    renamed.save()
    assert "Found Family (Chosen)" in blurb(guest, work)


def test_series_title_and_gifts_show_on_the_blurb():
    work = WorkFactory()
    guest = Client()
    series = add_to_series(work)
    assert "Part 1 of Tides" in blurb(guest, work)
    series.title = "Neap Tides"
    series.save()
    assert "Part 1 of Neap Tides" in blurb(guest, work)
    Gift.objects.create(work=work, recipient_name="the lighthouse keeper")
    assert "for the lighthouse keeper" in blurb(guest, work)


def test_a_renamed_creator_shows_on_the_blurb():
    creator = UserFactory(username="wren")
    work = WorkFactory(creator=creator)
    guest = Client()
    assert "by wren" in blurb(guest, work)
    creator.username = "wren_of_the_cape"
    creator.save()
    pseud = creator.pseuds.get(is_default=True)
    pseud.name = "wren_of_the_cape"
    pseud.save()
    assert "by wren_of_the_cape" in blurb(guest, work)


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_work_never_names_its_creator_though_she_looked_first(page):
    creator = UserFactory(username="hidden_hand")
    work = WorkFactory(creator=creator, anonymous=True)
    mine = blurb(signed_in(creator), work, page)
    assert "Anonymous [hidden_hand]" in mine and "Edit" in mine
    admin = UserFactory(username="keeper_admin", is_staff=True)
    assert "Anonymous [hidden_hand]" in blurb(signed_in(admin), work, page)
    for client in (signed_in(UserFactory()), Client()):
        seen = blurb(client, work, page)
        assert "by Anonymous" in seen
        assert "hidden_hand" not in seen and "Edit" not in seen


def test_a_restricted_works_blurb_never_reaches_a_guest():
    work = WorkFactory(title="Members Only Tide", restricted=True)
    member = signed_in(UserFactory())
    assert "Members Only Tide" in blurb(member, work, "/")
    assert "Members Only Tide" in blurb(member, work)
    guest = Client()
    assert blurb(guest, work, "/") is None
    assert blurb(guest, work) is None
    assert "Members Only Tide" not in guest.get("/").content.decode()


def test_a_work_restricted_after_guests_saw_it_leaves_their_listing():
    work = WorkFactory(title="Open Water")
    guest = Client()
    assert blurb(guest, work) is not None
    work.restricted = True
    work.save()
    assert blurb(guest, work) is None
    assert blurb(guest, work, "/") is None


def test_a_hidden_work_leaves_the_listing_though_its_blurb_was_cached():
    work = WorkFactory(title="Struck From The Log")
    guest, member = Client(), signed_in(UserFactory())
    assert blurb(guest, work) and blurb(member, work)
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    from chapterhouse.discovery.receivers import work_changed

    work_changed([work.pk])
    assert blurb(guest, work) is None and blurb(member, work) is None


def test_hide_warnings_is_each_readers_own_with_the_cache():
    work = WorkFactory()
    WorkTag.objects.create(work=work, tag=Tag.objects.get(pk=VIOLENCE), position=9)
    WorkTag.objects.create(work=work, tag=tag("Lighthouses"), position=10)
    plain_reader, folding_reader = UserFactory(), UserFactory()
    Preference.objects.filter(user=folding_reader).update(hide_warnings=True, hide_freeform=True)
    for first, second in ((plain_reader, folding_reader), (folding_reader, plain_reader)):
        for user in (first, second):
            page = BeautifulSoup(signed_in(user).get("/works").content.decode(), "html.parser")
            node = page.select_one(f"#work_{work.pk}")
            folded = [s.get_text() for s in node.select("details > summary")]
            if user == folding_reader:
                assert folded == ["Show warnings", "Show additional tags"]
            else:
                assert folded == []
            assert "Graphic Depictions Of Violence" in node.get_text()


def test_the_creators_own_view_folds_nothing_and_keeps_her_actions():
    creator = UserFactory()
    Preference.objects.filter(user=creator).update(hide_warnings=True)
    work = WorkFactory(creator=creator)
    WorkTag.objects.create(work=work, tag=Tag.objects.get(pk=VIOLENCE), position=9)
    Client().get("/works")  # a guest's copy is cached first
    node = BeautifulSoup(signed_in(creator).get("/works").content.decode(),
                         "html.parser").select_one(f"#work_{work.pk}")
    assert not node.select("details")
    assert node.select_one('ul.actions a[href$="/edit"]') is not None


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


#: A guest's /works with 20 cached blurbs: the blurbs' visibility and versions
#: (1; everything else the page needs is cached), and one to spare. Before the
#: cache the blurbs alone took five (works, credits, series, gifts, tags).
GUEST_LISTING_MAX_QUERIES = 2


def test_a_listing_of_cached_blurbs_costs_one_query_for_all_of_them():
    for _ in range(20):
        WorkFactory()
    guest = Client()
    guest.get("/works")
    assert _queries(guest, "/works") <= GUEST_LISTING_MAX_QUERIES
