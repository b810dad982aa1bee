"""Acceptance 2 and 4: the index follows writes within seconds, and a rebuild
swapped in under load fails no request."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from django.contrib.auth.models import AnonymousUser

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.discovery.engine.index import get_index, rebuild
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.tags.fixed import GENERAL, MATURE, NO_WARNINGS_APPLY
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.services.wrangling import tag_make_canonical, tag_make_synonym
from chapterhouse.works.services import posting
from chapterhouse.works.services.posting import WorkFields
from chapterhouse.works.services.tagging import TagChoice

GUEST = AnonymousUser()
TEXT = "<p>The tide came in over the causeway and nobody crossed that night.</p>"


def _post(user, *, title, fandom="Tidewatch", rating=GENERAL, freeforms="", restricted=False):
    fields = WorkFields(
        title=title, content=TEXT, restricted=restricted, expected_chapters=1,
        tags=TagChoice(rating=rating, warnings=[NO_WARNINGS_APPLY], fandoms=fandom,
                       freeforms=freeforms),
    )
    return posting.work_create(user=user, fields=fields, post=True)


def _titles(results) -> list[str]:
    return [b.work.title for b in results.page.items]


@pytest.mark.django_db
def test_a_posted_work_reaches_a_filtered_listing_within_two_seconds():
    writer = UserFactory()
    _post(writer, title="Low Water")
    fandom = Tag.objects.get(name="Tidewatch")
    query = WorkQuery(tag_ids=(fandom.pk,), rating_ids=(MATURE,))
    assert search_works(viewer=GUEST, query=query).page.total == 0

    started = time.monotonic()
    _post(writer, title="High Water", rating=MATURE)
    while time.monotonic() - started < 2.0:
        results = search_works(viewer=GUEST, query=query)
        if _titles(results) == ["High Water"]:
            break
        time.sleep(0.05)
    assert _titles(results) == ["High Water"]
    assert results.facets["rating"][0].name == "Mature"
    assert results.facets["rating"][0].count == 1


@pytest.mark.django_db
def test_restricted_and_draft_works_stay_out_of_guest_listings():
    writer = UserFactory()
    _post(writer, title="Open Harbour")
    _post(writer, title="Members Only", restricted=True)
    posting.work_create(user=writer, fields=WorkFields(
        title="Not Yet", content=TEXT,
        tags=TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Tidewatch")))
    fandom = Tag.objects.get(name="Tidewatch")
    query = WorkQuery(tag_ids=(fandom.pk,))
    assert _titles(search_works(viewer=GUEST, query=query)) == ["Open Harbour"]
    reader = UserFactory()
    assert sorted(_titles(search_works(viewer=reader, query=query))) == [
        "Members Only", "Open Harbour"]
    counts = search_works(viewer=GUEST, query=query).facets["fandom"]
    assert [(e.name, e.count) for e in counts] == [("Tidewatch", 1)]


@pytest.mark.django_db
def test_a_wrangling_change_reaches_listings():
    writer = UserFactory()
    _post(writer, title="Beacon", freeforms="slowburn")
    _post(writer, title="Signal Fire", freeforms="Slow Burn")
    wrangler = UserFactory()
    wrangler_grant(user=wrangler)
    canonical = Tag.objects.get(name="Slow Burn")
    tag_make_canonical(actor=wrangler, tag=canonical)
    query = WorkQuery(tag_ids=(canonical.pk,))
    assert _titles(search_works(viewer=GUEST, query=query)) == ["Signal Fire"]

    tag_make_synonym(actor=wrangler, tag=Tag.objects.get(name="slowburn"), canonical=canonical)
    from chapterhouse.tags.services.jobs import filter_jobs_run

    filter_jobs_run(time_budget=5.0)
    results = search_works(viewer=GUEST, query=query)
    assert sorted(_titles(results)) == ["Beacon", "Signal Fire"]
    freeforms = {e.name: e.count for e in results.facets["freeform"]}
    assert freeforms == {"Slow Burn": 2}
    assert Tag.objects.get(name="slowburn").type == TagType.FREEFORM


@pytest.mark.django_db
def test_search_by_creator_never_finds_an_anonymous_work():
    writer = UserFactory(username="harbourmaster")
    _post(writer, title="Signed")
    anonymous = _post(writer, title="Unsigned")
    anonymous.anonymous = True
    anonymous.save()
    found = search_works(viewer=GUEST, query=WorkQuery(creators="harbourmaster"))
    assert _titles(found) == ["Signed"]
    mine = search_works(viewer=GUEST, query=WorkQuery(user_id=writer.pk))
    assert _titles(mine) == ["Signed"]
    by_title = search_works(viewer=GUEST, query=WorkQuery(query="Unsigned"))
    assert _titles(by_title) == ["Unsigned"]
    assert by_title.page.items[0].work.anonymous


@pytest.mark.django_db(transaction=True)
def test_reindex_under_load_fails_no_request(live_server):
    writer = UserFactory()
    for n in range(30):
        _post(writer, title=f"Tide Table {n}", freeforms="Lighthouses")
    url = f"{live_server.url}/tags/Tidewatch/works"
    first = requests.get(url, timeout=10)
    assert first.status_code == 200
    failures: list[str] = []
    totals: set[str] = set()
    stop = threading.Event()

    def load() -> None:
        session = requests.Session()
        while not stop.is_set():
            response = session.get(url, params={"page": 2}, timeout=10)
            if response.status_code != 200:
                failures.append(f"{response.status_code}")
            elif "of 30 Works" not in response.text:
                failures.append("wrong count")
            totals.add("ok")

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        before = get_index().generation.path
        for _ in range(2):
            rebuild()
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert failures == []
    assert totals == {"ok"}
    get_index().sync()
    assert get_index().generation.path != before


@pytest.mark.django_db
def test_a_renamed_creator_is_found_by_the_new_name_only():
    writer = UserFactory(username="oldkeeper")
    _post(writer, title="Fog Bell")
    assert _titles(search_works(viewer=GUEST, query=WorkQuery(creators="oldkeeper"))) == [
        "Fog Bell"]
    from chapterhouse.accounts.services import username_change

    username_change(user=writer, new_username="newkeeper", password=PASSWORD)
    assert _titles(search_works(viewer=GUEST, query=WorkQuery(creators="newkeeper"))) == [
        "Fog Bell"]
    pseud = writer.pseuds.get()
    pseud.name = "Lamp Trimmer"
    pseud.save()
    assert _titles(search_works(viewer=GUEST,
                                query=WorkQuery(creators='"lamp trimmer"'))) == ["Fog Bell"]


@pytest.mark.django_db
def test_deleting_or_hiding_a_work_takes_it_out_of_listings():
    writer = UserFactory()
    kept = _post(writer, title="Kept")
    hidden = _post(writer, title="Hidden Away")
    gone = _post(writer, title="Gone")
    fandom = Tag.objects.get(name="Tidewatch")
    query = WorkQuery(tag_ids=(fandom.pk,))
    assert search_works(viewer=GUEST, query=query).page.total == 3
    hidden.hidden_by_admin = True
    hidden.save()
    posting.work_delete(user=writer, work=gone)
    assert _titles(search_works(viewer=GUEST, query=query)) == [kept.title]
    admin = UserFactory(is_staff=True)
    assert sorted(_titles(search_works(viewer=admin, query=query))) == ["Hidden Away", "Kept"]


def test_a_batch_of_ids_in_any_order_is_read_whole():
    """The database returns a batch's works in any order (PostgreSQL puts
    updated rows last); the range read for a batch must still cover them all."""
    from chapterhouse.discovery.engine.documents import _among

    ids = list(range(100, 160)) + list(range(40, 100))
    condition = dict(_among("work_id", ids).children)
    assert condition == {"work_id__gte": 40, "work_id__lte": 159}
    scattered = list(range(0, 6000, 100))
    assert dict(_among("work_id", scattered).children) == {"work_id__in": scattered}


@pytest.mark.django_db
def test_an_index_built_by_an_older_version_is_rebuilt_before_use():
    from chapterhouse.discovery.engine.index import Generation, reset_index

    writer = UserFactory()
    _post(writer, title="Old Lamp", freeforms="Lighthouses")
    fandom = Tag.objects.get(name="Tidewatch")
    query = WorkQuery(tag_ids=(fandom.pk,), query="lamp")
    assert _titles(search_works(viewer=GUEST, query=query)) == ["Old Lamp"]
    old = get_index().generation
    meta = old.read_meta()
    meta["text_schema"] = 1
    Generation(old.path).write_meta(meta)
    reset_index()
    assert _titles(search_works(viewer=GUEST, query=query)) == ["Old Lamp"]
    assert get_index().generation.path != old.path
    assert get_index().generation.read_meta()["text_schema"] != 1


# One copy per node -------------------------------------------------------------------------


def _listed(index, tag_id) -> list[int]:
    from chapterhouse.discovery.engine.search import ADMIN, Plan, match

    index.sync(force=True)
    rows = match(index.store, Plan(viewer_class=ADMIN, all_tags=(tag_id,)))
    return sorted(int(w) for w in index.store.work_id[rows])


@pytest.mark.django_db
def test_web_processes_map_the_indexers_snapshot_and_keep_their_own_changes_on_top(settings):
    import gc

    settings.CHAPTERHOUSE_SEARCH_FREEZE_GC = True

    from chapterhouse.discovery.engine.columns import is_mapped
    from chapterhouse.discovery.engine.index import Index

    writer = UserFactory()
    first = _post(writer, title="First Light")
    fandom = Tag.objects.get(name="Tidewatch")
    indexer = get_index()  # the node's indexer (it holds the text writer)
    assert _listed(indexer, fandom.pk) == [first.pk]
    web = Index(text_writer=False)  # a web worker of the same node
    assert _listed(web, fandom.pk) == [first.pk]
    # The big columns are the snapshot's files, not copies; sort keys are arrays.
    for array in (web.store.flags, web.store.kudos, web.store.tags.val,
                  web.store.title_key.rank, web.store.creator_key.rank):
        assert is_mapped(array)
    # What the process holds once the index is loaded is out of the collector's way.
    assert gc.get_freeze_count() > 0

    # A work posted after the snapshot: each process applies it on top.
    second = _post(writer, title="Second Light")
    assert _listed(web, fandom.pk) == [first.pk, second.pk]
    assert _listed(indexer, fandom.pk) == [first.pk, second.pk]
    mapped_before = web.columns_name

    # The indexer writes a new snapshot; the web process maps it in place of
    # its own changes, and what happens afterwards still shows.
    indexer.save_snapshot()
    assert is_mapped(indexer.store.tags.val)
    third = _post(writer, title="Third Light")
    posting.work_delete(user=writer, work=first)
    assert _listed(web, fandom.pk) == [second.pk, third.pk]
    assert web.columns_name != mapped_before
    assert web.columns_name == indexer.columns_name
    assert is_mapped(web.store.tags.val)
    assert not web.store.title_key.fresh.get(int(web.store.row_of[second.pk]))
    assert _listed(indexer, fandom.pk) == [second.pk, third.pk]
    web.close()
