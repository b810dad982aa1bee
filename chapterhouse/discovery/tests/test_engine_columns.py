"""The column store and the engine over it, without a database: documents
made by hand, answers checked against plain Python over the same documents."""

from __future__ import annotations

import datetime as dt
import random

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
    docs = {i: _doc(i, rng) for i in range(1, 400)}
    store = _store(docs)
    # Update some works and remove others, as the indexer does.
    for work_id in rng.sample(sorted(docs), 60):
        docs[work_id] = _doc(work_id, rng)
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
