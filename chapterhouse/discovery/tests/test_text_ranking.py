"""Searches ranked by best match.

The search page (no facet counts) is answered from the text index's best few
hits and its count of every match; a listing with facets collects every
match. Both must give the same total and the same order: by score, then by
the newest work first.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from django.contrib.auth.models import AnonymousUser

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery.query import WorkQuery
from chapterhouse.discovery.selectors import search_works
from chapterhouse.tags.fixed import MATURE
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db


def _ids(results) -> list[int]:
    return [blurb.work.pk for blurb in results.page.items]


def _both(viewer, query: WorkQuery, page: int):
    """(search page without facets, listing with facets) for the same query."""
    ranked = search_works(viewer=viewer, query=query, page=page, with_facets=False)
    counted = search_works(viewer=viewer, query=query, page=page, with_facets=True)
    return ranked, counted


def test_equally_good_matches_are_newest_first_on_every_page():
    # 50 works with the same summary score the same for "storm"; the page
    # boundaries fall inside that tie, and the text index itself keeps ties in
    # the order the works were added (oldest first).
    works = [WorkFactory(title=f"Lamp {n}") for n in range(50)]
    restricted = works[7]
    restricted.restricted = True
    restricted.save()
    shown = sorted((w.pk for w in works if w.pk != restricted.pk), reverse=True)
    query = WorkQuery(query="storm", sort_column="_score")
    for page in (1, 2, 3, 4, 10**6):
        ranked, counted = _both(AnonymousUser(), query, page)
        assert ranked.page.total == counted.page.total == 49
        assert ranked.page.number == counted.page.number == min(page, 3)
        start = (min(page, 3) - 1) * 20
        assert _ids(ranked) == _ids(counted) == shown[start:start + 20]


def test_the_best_match_comes_first_and_the_rest_follow_by_score():
    plain = [WorkFactory(title=f"Quiet {n}") for n in range(30)]
    best = WorkFactory(title="Storm Storm", summary="<p>Storm after storm.</p>")
    ranked, counted = _both(AnonymousUser(), WorkQuery(query="storm", sort_column="_score"), 1)
    assert _ids(ranked) == _ids(counted)
    assert _ids(ranked)[0] == best.pk
    assert _ids(ranked)[1:] == sorted((w.pk for w in plain), reverse=True)[:19]
    assert ranked.page.total == 31


def test_text_within_a_tag_with_exclusions_ratings_and_ranges():
    fandom = "Harbour Lights"
    inside = [WorkFactory(title=f"Harbour {n}", fandom=fandom) for n in range(30)]
    WorkFactory(title="Elsewhere", fandom="Other Shores")  # matches the text, not the tag
    slow_burn = tag("Slow Burn", TagType.FREEFORM)
    for work in inside[:6]:
        WorkTag.objects.create(work=work, tag=slow_burn, position=9)
    mature = Tag.objects.get(pk=MATURE)
    for work in inside[10:14]:
        WorkTag.objects.filter(work=work, tag__type=TagType.RATING).update(tag=mature)
    for n, work in enumerate(inside):
        work.kudos_count = n
        work.word_count = 1000
        work.save()
    from chapterhouse.tags.services.filters import work_filter_tags_refresh

    work_filter_tags_refresh(work_ids=[w.pk for w in inside])
    fandom_id = Tag.objects.get(name=fandom).pk

    def wanted(keep) -> list[int]:
        return sorted((w.pk for n, w in enumerate(inside) if keep(n)), reverse=True)

    cases = [
        (WorkQuery(tag_ids=(fandom_id,), query="storm", exclude_ids=(slow_burn.pk,)),
         wanted(lambda n: n >= 6)),
        (WorkQuery(tag_ids=(fandom_id,), query="storm OR nothinglikethis",
                   rating_ids=(MATURE,)),
         wanted(lambda n: 10 <= n < 14)),
        (WorkQuery(tag_ids=(fandom_id,), query="storm -lighthouse"), []),
        (WorkQuery(tag_ids=(fandom_id,), query="storm", kudos=(20, None)),
         wanted(lambda n: n >= 20)),
        (WorkQuery(tag_ids=(fandom_id,), query="storm kudos:<5"), wanted(lambda n: n < 5)),
    ]
    for query, expected in cases:
        query = replace(query, sort_column="_score")
        ranked, counted = _both(AnonymousUser(), query, 1)
        assert ranked.page.total == counted.page.total == len(expected), query
        assert _ids(ranked) == _ids(counted), query
        assert sorted(_ids(ranked)) == sorted(expected[:20]), query


def test_a_creator_finds_her_own_hidden_work_ranked_by_best_match():
    author = UserFactory()
    hers = WorkFactory(creator=author, title="Lamp of mine", hidden_by_admin=True)
    others = [WorkFactory(title=f"Lamp {n}") for n in range(3)]
    query = WorkQuery(query="lamp", sort_column="_score")
    ranked, counted = _both(author, query, 1)
    assert ranked.page.total == counted.page.total == 4
    assert hers.pk in _ids(ranked)
    assert _ids(ranked) == _ids(counted)
    reader = UserFactory()
    ranked, counted = _both(reader, query, 1)
    assert ranked.page.total == counted.page.total == 3
    assert sorted(_ids(ranked)) == sorted(w.pk for w in others)
