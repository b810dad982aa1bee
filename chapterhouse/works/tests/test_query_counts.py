"""The work page must not make more queries for a longer work (no N+1)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.models import Gift, RelatedWork
from chapterhouse.works.tests.factories import WorkFactory, add_to_series, tag

pytestmark = pytest.mark.django_db

#: Session and user (2), the work with the viewer's creator flag, its tags
#: and creators (read on a version's first visit, then kept), chapters, gifts
#: (5), related works with their visibility and creators (3), the series and
#: its neighbours (2), preferences (1): 13 for the work itself. Readers' answers
#: (responses/page.py) add, for a signed-in reader, one query for all that the
#: panels and the header need to know about her (kudos counts, the block
#: check, her pseuds, bookmark, subscription, reading place, inbox count:
#: responses/selectors/reader.py), the visit in one upsert (inside a savepoint
#: pair in tests), and (once an hour per reader, remembered in the cache)
#: whether moderation has a warning or suspension to show her. 18 in all,
#: whatever the work's length.
WORK_PAGE_MAX_QUERIES = 18
LISTING_MAX_QUERIES = 12


@pytest.fixture(autouse=True)
def _index_looks_only_when_told(monkeypatch):
    """Pages look at the search index's outbox at most every LOOK_INTERVAL
    seconds; on a busy machine that moment can fall inside one of two visits
    being compared. Counted visits follow the outbox only after this process
    wrote, which is every write a test makes."""
    from chapterhouse.discovery.engine import index

    monkeypatch.setattr(index, "LOOK_INTERVAL", 3600.0)


def rich_work(chapters: int, creator):
    work = WorkFactory(chapters=chapters, creator=creator)
    for name in ("Storms", "Lanterns", "Slow Burn"):
        work.worktag_set.create(tag=tag(name), position=10)
    earlier = WorkFactory(creator=creator)
    series = add_to_series(earlier, position=1)
    add_to_series(work, series=series, position=2)
    Gift.objects.create(work=work, recipient_name="a friend")
    RelatedWork.objects.create(work=work, parent=earlier)
    return work


def count(client, url) -> int:
    """Queries for a repeat visit (a reader's first visit also inserts her history row)."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def reader_client(db):
    client = Client()
    client.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_chapter_page_of_a_long_work_stays_small(reader_client, django_assert_max_num_queries):
    creator = UserFactory()
    long_work, short_work = rich_work(100, creator), rich_work(10, creator)
    long_chapter = long_work.chapters.get(position=50)
    short_chapter = short_work.chapters.get(position=5)
    with django_assert_max_num_queries(WORK_PAGE_MAX_QUERIES):
        reader_client.get(f"/works/{long_work.pk}/chapters/{long_chapter.pk}")
    assert count(reader_client, f"/works/{long_work.pk}/chapters/{long_chapter.pk}") == count(
        reader_client, f"/works/{short_work.pk}/chapters/{short_chapter.pk}"
    )


def test_entire_work_view_of_a_long_work_stays_small(reader_client, django_assert_max_num_queries):
    creator = UserFactory()
    long_work, short_work = rich_work(100, creator), rich_work(10, creator)
    with django_assert_max_num_queries(WORK_PAGE_MAX_QUERIES):
        response = reader_client.get(f"/works/{long_work.pk}?view_full_work=true")
    assert response.content.decode().count('class="userstuff module"') == 100
    assert count(reader_client, f"/works/{long_work.pk}?view_full_work=true") == count(
        reader_client, f"/works/{short_work.pk}?view_full_work=true"
    )


def test_creator_view_of_a_long_work_stays_small(django_assert_max_num_queries):
    creator = UserFactory()
    work = rich_work(100, creator)
    client = Client()
    client.force_login(creator, backend="django.contrib.auth.backends.ModelBackend")
    with django_assert_max_num_queries(WORK_PAGE_MAX_QUERIES):
        client.get(f"/works/{work.pk}?view_full_work=true")


def test_a_full_listing_page_costs_the_same_as_a_short_one(django_assert_max_num_queries):
    busy, quiet = UserFactory(username="busy"), UserFactory(username="quiet")
    for _ in range(20):
        rich_work(1, busy)
    rich_work(1, quiet)
    # A running site has its search index built already; build it first here.
    from chapterhouse.discovery.engine.index import get_index

    get_index().sync(force=True)
    client = Client()
    with django_assert_max_num_queries(LISTING_MAX_QUERIES):
        client.get("/users/busy/works")
    assert count(client, "/users/busy/works") == count(client, "/users/quiet/works")


#: A guest reading a plain one-shot (no series, gifts or related works): the
#: work with whether it has any of those (1), its chapters (1; the tags and
#: creators are kept per work version), and the kudos panel (1). Series,
#: gifts and related works cost their queries only on works that have them.
PLAIN_ONE_SHOT_GUEST_MAX_QUERIES = 3


def test_a_plain_one_shot_costs_a_guest_few_queries(client):
    work = WorkFactory()
    url = f"/works/{work.pk}"
    assert count(client, url) <= PLAIN_ONE_SHOT_GUEST_MAX_QUERIES
    assert count(client, url) < count(client, f"/works/{rich_work(1, UserFactory()).pk}")


#: A signed-in reader on the same one-shot: her session and user (2), the
#: work and its chapters (2; the tags and creators are kept per work version),
#: her preferences (1), everything the panels and the header need to know
#: about her in one query (``responses/selectors/reader.py``), and the visit
#: in one upsert (inside a savepoint pair here, as tests run in a transaction).
PLAIN_ONE_SHOT_READER_MAX_QUERIES = 9


def test_a_plain_one_shot_costs_a_signed_in_reader_few_queries(reader_client):
    work = WorkFactory()
    assert count(reader_client, f"/works/{work.pk}") <= PLAIN_ONE_SHOT_READER_MAX_QUERIES


#: Posting a new work with its first chapter (14 queries when every name is a
#: tag already; it was 24): the write check, the typed and the fixed tags (one
#: query for all of them), the work written posted at once with its version,
#: the poster's pseud, its credit and chapter, the subscribers to tell (the
#: creator and series are known), the work tags, the metatags above the tags,
#: the filter rows, tag use counts, and the outbox events (one insert for all,
#: each once). No separate UPDATE of the work's version. New names add one
#: insert for them all (in a savepoint) and their autocomplete words. The count
#: does not grow with the number of tags (it was 3 queries more per typed tag).
POSTING_EXISTING_MAX_QUERIES = 14
POSTING_MAX_QUERIES = 19


def _posting_fields(typed: dict[str, str]):
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
    from chapterhouse.works.services.posting import WorkFields
    from chapterhouse.works.services.tagging import TagChoice

    return WorkFields(
        title="Salt and Lamplight",
        content="<p>The lamp burned all night while the sea argued with the rocks.</p>",
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], categories=[21], **typed),
    )


def _posting_queries(user, typed: dict[str, str]) -> int:
    from chapterhouse.works.services.posting import work_create

    with CaptureQueriesContext(connection) as queries:
        work = work_create(user=user, fields=_posting_fields(typed), post=True)
    assert work.posted and work.worktag_set.count() == 3 + sum(
        len(names.split(",")) for names in typed.values()
    )
    return len(queries)


def test_posting_a_work_with_17_tags_costs_few_queries_however_many_tags():
    from chapterhouse.tags.models import TagType

    user = UserFactory()
    for name in ("Tidewatch", "Harbour Lights"):
        tag(name, TagType.FANDOM)
    for name in ("Ines/Marguerite", "Wren & Tamsin", "Ines", "Marguerite", "Wren",
                 "Tamsin", "Slow Burn", "Fluff", "Storms", "Lanterns", "Salt"):
        tag(name)
    seventeen = {  # 3 fixed and 14 typed tags, 3 of them new
        "fandoms": "Tidewatch, harbour lights",
        "relationships": "Ines/Marguerite, Wren & Tamsin",
        "characters": "Ines, Marguerite, Wren, Tamsin",
        "freeforms": "Slow Burn, Fluff, Storms, Lanterns, Salt, Sea Glass, Tide Pools, Foghorns",
    }
    few = {"fandoms": "Tidewatch"}  # 3 fixed and 1 typed tag
    many_existing = _posting_queries(user, {**seventeen, "freeforms": "Slow Burn, Fluff, Storms"
                                            ", Lanterns, Salt"})
    assert many_existing <= POSTING_EXISTING_MAX_QUERIES
    assert _posting_queries(user, few) == many_existing
    assert _posting_queries(user, seventeen) <= POSTING_MAX_QUERIES
