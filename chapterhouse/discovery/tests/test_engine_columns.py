"""The column store and the engine over it, without a database: documents
made by hand, answers checked against plain Python over the same documents."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import numpy as np
import pytest

from chapterhouse.discovery.engine.columns import Store
from chapterhouse.discovery.engine.documents import Document
from chapterhouse.discovery.engine.search import (
    ADMIN,
    GUEST,
    MEMBER,
    FacetCache,
    Plan,
    execute,
    match,
)

GROUP_OF = {9: 1, 10: 1, 11: 1, 14: 2, 16: 2, 21: 3, 23: 3}  # ratings, warnings, categories
for t in range(100, 110):
    GROUP_OF[t] = 4  # fandoms
for t in range(200, 260):
    GROUP_OF[t] = 7  # freeforms


def _groups():
    array = np.zeros(300, dtype=np.uint8)
    for tag, code in GROUP_OF.items():
        array[tag] = code
    return array


def _doc(work_id, rng, **overrides) -> Document:
    tags = {rng.choice([9, 10, 11]), rng.choice([14, 16]), rng.choice([21, 23]),
            rng.randrange(100, 110)}
    tags |= set(rng.sample(range(200, 260), rng.randrange(0, 6)))
    revised = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=rng.randrange(9000))
    fields = dict(
        work_id=work_id, title=f"Title {rng.randrange(50)}", summary="", notes="",
        tag_names=[], creator_names=["writer"], creator_user_ids=[rng.randrange(1, 6)],
        creator_pseud_ids=[rng.randrange(1, 6)], creator_sort=f"w{rng.randrange(5)}",
        filter_tag_ids=sorted(tags), language=rng.choice(["en", "en", "fr"]),
        restricted=rng.random() < 0.2, hidden=rng.random() < 0.1, anonymous=False,
        complete=rng.random() < 0.6, crossover=rng.random() < 0.2,
        single_chapter=rng.random() < 0.7, words=rng.randrange(100, 100_000), chapters=1,
        hits=rng.randrange(1000), kudos=rng.randrange(100), comments=rng.randrange(5),
        bookmarks=rng.randrange(10), published=revised.date(), revised=revised,
    )
    fields.update(overrides)
    return Document(**fields)


def _expected(docs: dict[int, Document], plan: Plan) -> list[Document]:
    hidden = {GUEST: ("restricted", "hidden"), MEMBER: ("hidden",), ADMIN: ()}[plan.viewer_class]
    found = []
    for doc in docs.values():
        tags = set(doc.filter_tag_ids)
        if any(getattr(doc, flag) for flag in hidden):
            continue
        if not set(plan.all_tags) <= tags:
            continue
        if plan.any_ratings and not tags & set(plan.any_ratings):
            continue
        if tags & set(plan.exclude_tags + plan.muted_tags):
            continue
        if set(doc.creator_user_ids) & set(plan.muted_users):
            continue
        if plan.complete is not None and doc.complete != plan.complete:
            continue
        low, high = plan.ranges.get("words", (None, None))
        if (low is not None and doc.words < low) or (high is not None and doc.words > high):
            continue
        if plan.language and doc.language != plan.language:
            continue
        if plan.collection_id is not None and plan.collection_id not in doc.collection_ids:
            continue
        found.append(doc)
    return found


def _store(docs) -> Store:
    store = Store()
    for doc in docs.values():
        store.upsert(doc)
    return store


@pytest.mark.parametrize("seed", range(6))
def test_matches_counts_and_order_agree_with_plain_python(seed):
    rng = random.Random(seed)
    def collections():
        return sorted(rng.sample([1, 2, 3], rng.randrange(0, 3)))

    docs = {i: _doc(i, rng, collection_ids=collections()) for i in range(1, 400)}
    store = _store(docs)
    # Update some works and remove others, as the indexer does.
    for work_id in rng.sample(sorted(docs), 60):
        docs[work_id] = _doc(work_id, rng, collection_ids=collections())
        store.upsert(docs[work_id])
    for work_id in rng.sample(sorted(docs), 30):
        del docs[work_id]
        store.remove(work_id)
    cache = FacetCache(store, min_rows=1)
    for _ in range(30):
        plan = Plan(
            viewer_class=rng.choice([GUEST, MEMBER, ADMIN]),
            all_tags=tuple(rng.sample(range(100, 110), rng.randrange(0, 2))),
            any_ratings=tuple(rng.sample([9, 10, 11], rng.randrange(0, 3))),
            exclude_tags=tuple(rng.sample(range(200, 260), rng.randrange(0, 3))),
            muted_users=tuple(rng.sample(range(1, 6), rng.randrange(0, 2))),
            complete=rng.choice([None, True, False]),
            ranges=rng.choice([{}, {"words": (5000, 60_000)}]),
            language=rng.choice(["", "fr"]),
            collection_id=rng.choice([None, None, 1, 3]),
            sort_column=rng.choice(["revised_at", "kudos_count", "title_to_sort_on"]),
            descending=rng.choice([True, False]),
        )
        expected = _expected(docs, plan)
        outcome = execute(store, plan, tag_group=_groups(), cache=cache, page=2,
                          per_page=7, with_facets=True)
        assert outcome.total == len(expected)
        key = {"revised_at": lambda d: (d.revised, d.work_id),
               "kudos_count": lambda d: (d.kudos, d.work_id),
               "title_to_sort_on": lambda d: (d.title.casefold(), d.work_id)}[plan.sort_column]
        ordered = sorted(expected, key=key, reverse=plan.descending)
        if len(expected) > 7:
            assert outcome.work_ids == [d.work_id for d in ordered[7:14]]
        counts: dict[int, int] = {}
        for doc in expected:
            for tag in doc.filter_tag_ids:
                counts[tag] = counts.get(tag, 0) + 1
        for group, entries in outcome.facets.items():
            for tag, count in entries:
                assert counts[tag] == count, (group, tag)
            # The ten shown are ten of the largest.
            code = {"rating": 1, "archive_warning": 2, "category": 3, "fandom": 4,
                    "freeform": 7}.get(group)
            if code:
                in_group = sorted((-c, t) for t, c in counts.items() if GROUP_OF.get(t) == code)
                assert [(-c, t) for t, c in entries] == in_group[:10]


def test_ready_facets_follow_new_and_removed_works():
    rng = random.Random(7)
    docs = {i: _doc(i, rng, filter_tag_ids=[10, 16, 23, 100, 200 + i % 3]) for i in range(1, 50)}
    store = _store(docs)
    cache = FacetCache(store, min_rows=1)
    plan = Plan(viewer_class=MEMBER, all_tags=(100,))
    first = execute(store, plan, tag_group=_groups(), cache=cache, page=1, per_page=20,
                    with_facets=True)
    assert (100, MEMBER) in cache.entries
    store.upsert(_doc(99, rng, filter_tag_ids=[10, 16, 23, 100, 201], hidden=False))
    store.remove(1)
    second = execute(store, plan, tag_group=_groups(), cache=cache, page=1, per_page=20,
                     with_facets=True)
    fresh = execute(store, plan, tag_group=_groups(), cache=None, page=1, per_page=20,
                    with_facets=True)
    assert second.facets == fresh.facets
    assert second.facets != first.facets
    assert second.total == fresh.total


def test_anonymous_works_are_never_left_out_for_a_muted_creator():
    rng = random.Random(3)
    store = Store()
    store.upsert(_doc(1, rng, creator_user_ids=[], anonymous=True, hidden=False,
                      restricted=False))
    store.upsert(_doc(2, rng, creator_user_ids=[5], hidden=False, restricted=False))
    rows = match(store, Plan(viewer_class=MEMBER, muted_users=(5,)))
    assert store.work_id[rows].tolist() == [1]


def test_snapshot_round_trip(tmp_path):
    rng = random.Random(11)
    docs = {i: _doc(i, rng) for i in range(1, 100)}
    store = _store(docs)
    store.remove(5)
    store.upsert(_doc(6, rng))
    store.save(tmp_path / "columns")
    loaded = Store.load(tmp_path / "columns")
    plan = Plan(viewer_class=ADMIN, all_tags=(103,), sort_column="kudos_count")
    a = execute(store, plan, tag_group=_groups(), cache=None, page=1, per_page=50,
                with_facets=True)
    b = execute(loaded, plan, tag_group=_groups(), cache=None, page=1, per_page=50,
                with_facets=True)
    assert a == b
    assert loaded.live_count == 98


def test_a_collections_listing_follows_its_works_across_a_snapshot(tmp_path):
    rng = random.Random(13)
    docs = {i: _doc(i, rng, hidden=False, restricted=False,
                    collection_ids=[7] if i % 3 == 0 else []) for i in range(1, 60)}
    store = _store(docs)
    store.save(tmp_path / "columns")
    loaded = Store.load(tmp_path / "columns")
    plan = Plan(viewer_class=GUEST, collection_id=7)
    assert sorted(loaded.work_id[match(loaded, plan)].tolist()) == list(range(3, 60, 3))
    # Rejected or removed from the collection; approved in it later.
    loaded.upsert(replace(docs[3], collection_ids=[]))
    loaded.upsert(replace(docs[4], collection_ids=[7, 8]))
    listed = sorted(loaded.work_id[match(loaded, plan)].tolist())
    assert 3 not in listed and 4 in listed and len(listed) == 19
    outcome = execute(loaded, plan, tag_group=_groups(), cache=None, page=1, per_page=50,
                      with_facets=True)
    assert outcome.total == 19
    expected = [d for d in docs.values() if d.work_id in listed]
    fandoms = {}
    for doc in expected:
        for tag in doc.filter_tag_ids:
            if GROUP_OF.get(tag) == 4:
                fandoms[tag] = fandoms.get(tag, 0) + 1
    assert dict(outcome.facets["fandom"]) == fandoms


def test_a_snapshot_without_the_collections_column_loads_with_none(tmp_path):
    """A snapshot written before works knew their collections: the process
    answers as before (its generation is rebuilt when opened, see
    text.SCHEMA_VERSION) and takes new rows."""
    import json

    rng = random.Random(17)
    docs = {i: _doc(i, rng) for i in range(1, 40)}
    store = _store(docs)
    store.save(tmp_path / "columns")
    meta = json.loads((tmp_path / "columns" / "store.json").read_text())
    del meta["sizes"]["collections"]
    (tmp_path / "columns" / "store.json").write_text(json.dumps(meta))
    for path in (tmp_path / "columns").glob("collections_*.npy"):
        path.unlink()
    loaded = Store.load(tmp_path / "columns")
    plan = Plan(viewer_class=ADMIN, all_tags=(103,))
    assert sorted(loaded.work_id[match(loaded, plan)].tolist()) == \
        sorted(store.work_id[match(store, plan)].tolist())
    loaded.upsert(_doc(50, rng, collection_ids=[2]))
    assert loaded.work_id[match(loaded, Plan(viewer_class=ADMIN, collection_id=2))].tolist() \
        == [50]


# One copy per node: the snapshot is mapped, changes stay in the process ----------------

TITLES = ["Été", "ete", "Zebra", "zebra", "Ärger", "apple", "日本の夏", "𝔘nicode", "", "a", "A",
          "Straße", "STRASSE", "ﬁne", "fine", "Ωmega", "omega", "apple pie", "apple"]


def _titled(work_id, rng, title, creator):
    return _doc(work_id, rng, title=title, creator_sort=creator, hidden=False, restricted=False)


def _sorted_ids(store, column, descending, per_page=200):
    plan = Plan(viewer_class=ADMIN, sort_column=column, descending=descending)
    return execute(store, plan, tag_group=_groups(), cache=None, page=1, per_page=per_page,
                   with_facets=False).work_ids


def _expected_ids(docs, column, descending):
    key = {"title_to_sort_on": lambda d: (d.title.casefold(), d.work_id),
           "authors_to_sort_on": lambda d: (d.creator_sort, d.work_id)}[column]
    return [d.work_id for d in sorted(docs.values(), key=key, reverse=descending)]


def test_a_loaded_snapshot_is_mapped_and_its_sort_keys_are_arrays(tmp_path):
    from chapterhouse.discovery.engine.columns import is_mapped

    rng = random.Random(5)
    store = _store({i: _doc(i, rng) for i in range(1, 300)})
    store.save(tmp_path / "columns")
    loaded = Store.load(tmp_path / "columns")
    for array in (loaded.work_id, loaded.flags, loaded.kudos, loaded.revised, loaded.row_of,
                  loaded.tags.val, loaded.tags.off, loaded.tags._inv_rows, loaded.users.val,
                  loaded.title_key.rank, loaded.creator_key.rank, loaded.title_key.blob):
        assert isinstance(array, np.ndarray)
        assert not array.flags.owndata
        assert is_mapped(array)
    assert not is_mapped(store.kudos)
    assert not loaded.title_key.fresh and not loaded.creator_key.fresh


@pytest.mark.parametrize("column", ["title_to_sort_on", "authors_to_sort_on"])
def test_title_and_creator_order_is_kept_across_snapshots_and_changes(tmp_path, column):
    rng = random.Random(9)
    docs = {}
    for work_id in range(1, 120):
        docs[work_id] = _titled(work_id, rng, rng.choice(TITLES),
                                rng.choice(TITLES).casefold() or "anonymous")
    store = _store(docs)
    for descending in (False, True):
        assert _sorted_ids(store, column, descending) == _expected_ids(docs, column, descending)
    store.save(tmp_path / "one")
    loaded = Store.load(tmp_path / "one")
    # Changes after the snapshot: titles already in it, new ones between its
    # titles (several in the same gap), and ones before the first and after the last.
    added = TITLES + ["Éte", "apple crumble", "apple cake", "", "\x00first", "\U0010ffff last",
                      "zebra crossing", "Zebra Crossing", "Ärgerlich"]
    for work_id in [*range(200, 200 + len(added)), 3, 4, 5]:
        title = added[work_id - 200] if work_id >= 200 else rng.choice(added)
        docs[work_id] = _titled(work_id, rng, title, title.casefold())
        loaded.upsert(docs[work_id])
    for work_id in (7, 8):
        del docs[work_id]
        loaded.remove(work_id)
    assert loaded.title_key.fresh  # some titles are new since the snapshot
    for descending in (False, True):
        assert _sorted_ids(loaded, column, descending) == _expected_ids(docs, column, descending)
        # A page deep in the list (only the rows that can be on it are sorted).
        plan = Plan(viewer_class=ADMIN, sort_column=column, descending=descending)
        outcome = execute(loaded, plan, tag_group=_groups(), cache=None, page=3, per_page=10,
                          with_facets=False)
        assert outcome.work_ids == _expected_ids(docs, column, descending)[20:30]
    # The next snapshot folds the new titles in.
    loaded.save(tmp_path / "two")
    again = Store.load(tmp_path / "two")
    assert not again.title_key.fresh and not again.creator_key.fresh
    for descending in (False, True):
        assert _sorted_ids(again, column, descending) == _expected_ids(docs, column, descending)
    assert [again.title_key.text(int(again.row_of[w])) for w in sorted(docs)] == [
        docs[w].title.casefold() for w in sorted(docs)]


def test_changes_after_a_snapshot_show_and_stay_in_the_process(tmp_path):
    rng = random.Random(13)
    docs = {i: _doc(i, rng) for i in range(1, 400)}
    _store(docs).save(tmp_path / "columns")
    before = {i: docs[i] for i in docs}
    loaded = Store.load(tmp_path / "columns")
    # More new rows than the snapshot's spare rows, so some columns outgrow the file.
    for work_id in range(1000, 6000):
        docs[work_id] = _doc(work_id, rng)
        loaded.upsert(docs[work_id])
    for work_id in rng.sample(range(1, 400), 50):
        docs[work_id] = _doc(work_id, rng, filter_tag_ids=[11, 16, 23, 105, 250])
        loaded.upsert(docs[work_id])
    for work_id in rng.sample(range(1, 400), 20):
        docs.pop(work_id, None)
        loaded.remove(work_id)
    other = Store.load(tmp_path / "columns")  # another process mapping the same files
    for store, expected_docs in ((loaded, docs), (other, before)):
        for plan in (Plan(viewer_class=ADMIN, all_tags=(105,), sort_column="kudos_count"),
                     Plan(viewer_class=GUEST, complete=True, sort_column="title_to_sort_on"),
                     Plan(viewer_class=MEMBER, any_ratings=(11,), exclude_tags=(250,))):
            expected = _expected(expected_docs, plan)
            outcome = execute(store, plan, tag_group=_groups(), cache=None, page=1,
                              per_page=10_000, with_facets=False)
            assert sorted(outcome.work_ids) == sorted(d.work_id for d in expected)


def test_processes_share_the_mapped_snapshot(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    rng = random.Random(17)
    store = _store({i: _doc(i, rng) for i in range(1, 500)})
    store.save(tmp_path / "columns")
    script = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from chapterhouse.discovery.engine.columns import Store\n"
        "store = Store.load(Path(sys.argv[1]))\n"
        "total = int(store.kudos[: store.n].sum())\n"
        "maps = [line.split()[-1] for line in open('/proc/self/maps') if sys.argv[1] in line]\n"
        "print(total, ' '.join(sorted(set(maps))))\n"
    )
    root = Path(__file__).resolve().parents[3]
    answers = [
        subprocess.run([sys.executable, "-c", script, str(tmp_path / "columns")], cwd=root,
                       capture_output=True, text=True, check=True).stdout.split()
        for _ in range(2)
    ]
    assert answers[0] == answers[1]
    total, *files = answers[0]
    assert int(total) == int(store.kudos[: store.n].sum())
    assert any(f.endswith("tags_val.npy") for f in files)
    assert any(f.endswith("title_key_rank.npy") for f in files)


def test_a_snapshot_of_the_older_format_still_loads(tmp_path):
    """Generations written before the mapped format (``columns.npz`` beside
    ``columns.pkl``) answer the same until the next snapshot replaces them."""
    import pickle

    from chapterhouse.discovery.engine.columns import MULTI_COLUMNS

    rng = random.Random(21)
    docs = {i: _titled(i, rng, rng.choice(TITLES), rng.choice(TITLES).casefold())
            for i in range(1, 200)}
    store = _store(docs).compacted()
    arrays = {name: getattr(store, name)[: store.n] for name in Store.ROW_COLUMNS}
    arrays["row_of"] = store.row_of
    for name in MULTI_COLUMNS:
        multi = getattr(store, name)
        arrays |= {f"{name}_off": multi.off[: multi.rows + 1],
                   f"{name}_val": multi.val[: multi.size],
                   f"{name}_inv_keys": multi._inv_keys, f"{name}_inv_start": multi._inv_start,
                   f"{name}_inv_rows": multi._inv_rows}
    np.savez(tmp_path / "columns.npz", **arrays, extra_tag_groups=_groups())
    rows = range(store.n)
    with open(tmp_path / "columns.pkl", "wb") as out:
        pickle.dump({"title_key": [store.title_key.text(r) for r in rows],
                     "creator_key": [store.creator_key.text(r) for r in rows],
                     "languages": store.languages}, out)
    extra: dict = {}
    loaded = Store.load(tmp_path / "columns", extra_arrays=extra)
    assert np.array_equal(extra["extra_tag_groups"], _groups())
    for column in ("title_to_sort_on", "authors_to_sort_on"):
        for descending in (False, True):
            assert _sorted_ids(loaded, column, descending) == _expected_ids(docs, column,
                                                                           descending)
    plan = Plan(viewer_class=ADMIN, all_tags=(103,), sort_column="kudos_count")
    assert execute(loaded, plan, tag_group=_groups(), cache=None, page=1, per_page=50,
                   with_facets=True) == execute(store, plan, tag_group=_groups(), cache=None,
                                                page=1, per_page=50, with_facets=True)
