"""The benchmark's generated archive has AO3's shapes (BENCH.md, "Data set"),
and what its loader writes reads back through the site's own selectors like
any posted work."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bench.discovery.generate import (  # noqa: E402
    CATEGORY_SHARES,
    FANDOM,
    RATING_SHARES,
    TROPE_PHRASES,
    WARNING_SHARES,
    fandom_count,
    generate,
)
from bench.discovery.load import bases_from_db, load  # noqa: E402

WORKS = 2000


@pytest.fixture(scope="module")
def archive():
    return generate(WORKS)


def share_of(archive, tag_id: int) -> float:
    return len(np.unique(archive.direct_work[archive.direct_tag == tag_id])) / archive.works


def test_ratings_warnings_and_categories_follow_ao3s_shares(archive):
    for shares in (RATING_SHARES, WARNING_SHARES, CATEGORY_SHARES):
        for tag_id, expected in shares.items():
            assert share_of(archive, tag_id) == pytest.approx(expected, abs=0.03), tag_id
    ratings = np.isin(archive.direct_tag, list(RATING_SHARES))
    assert (np.bincount(archive.direct_work[ratings], minlength=WORKS) == 1).all()


def test_word_counts_are_lognormal_around_a_median_of_about_2400(archive):
    assert 2000 <= np.median(archive.words) <= 3200
    assert archive.words.min() >= 1
    assert archive.words.max() <= 5_000_000


def test_most_works_are_complete_one_shots(archive):
    single = archive.chapters == 1
    assert single.mean() == pytest.approx(0.79, abs=0.03)
    assert archive.complete[single].all()
    assert archive.complete[~single].mean() == pytest.approx(0.42, abs=0.08)


def test_fandom_count_follows_the_formula(archive):
    canonical_fandoms = ((archive.tag_type == FANDOM) & archive.tag_canonical).sum()
    assert canonical_fandoms == round(42344 * (WORKS / 7.27e6) ** 0.6)
    assert fandom_count(10_000) == 813
    assert fandom_count(1_000_000) == pytest.approx(12_900, rel=0.01)


def test_works_carry_about_17_tags_and_never_more_than_75_typed(archive):
    per_work = np.bincount(archive.direct_work, minlength=archive.works)
    assert 15.5 <= per_work.mean() <= 18.5
    generated = archive.direct_tag > archive.bases.tag
    typed = np.bincount(archive.direct_work[generated], minlength=archive.works)
    assert typed.max() <= 75


def test_synonyms_and_metatags_add_effective_filter_tags(archive):
    assert len(archive.filter_tag) > len(archive.direct_tag)
    mergers = archive.tag_merger[archive.tag_index(archive.direct_tag[
        archive.direct_tag > archive.bases.tag])]
    assert (mergers > 0).any(), "some works use a synonym directly"
    metas, subs = archive.meta_links
    assert len(metas) and set(metas.tolist()) & set(archive.filter_tag.tolist())


def test_summaries_use_trope_phrases_about_as_often_as_the_tags(archive):
    texts = [archive.texts(block) for block in range(archive.blocks())]
    summaries = [s.lower() for block in texts for s in block.summaries]
    assert len(summaries) == WORKS
    lengths = [len(s.split()) for s in summaries]
    assert min(lengths) >= 50 and np.median(lengths) <= 160
    tag_id = next(t for t, phrase, _ in archive._tropes if phrase == "enemies to lovers")
    tagged = share_of(archive, tag_id) or 1 / WORKS
    said = sum("enemies to lovers" in s for s in summaries) / WORKS
    assert TROPE_PHRASES["Enemies to Lovers"] == "enemies to lovers"
    assert said == pytest.approx(tagged, rel=0.6, abs=0.01)


def test_the_same_size_always_gives_the_same_archive(archive):
    again = generate(WORKS)
    assert again.tag_names == archive.tag_names
    assert np.array_equal(again.filter_tag, archive.filter_tag)
    assert again.texts(0).summaries[:5] == archive.texts(0).summaries[:5]


@pytest.mark.django_db
def test_loaded_works_read_back_through_the_sites_selectors():
    from django.contrib.auth.models import AnonymousUser

    from chapterhouse.discovery.query import WorkQuery
    from chapterhouse.discovery.selectors import search_works
    from chapterhouse.tags.models import Tag, WorkFilterTag
    from chapterhouse.tags.services.filters import filter_tags_for
    from chapterhouse.works.models import Work, WorkTag
    from chapterhouse.works.selectors.listing import (
        blurb_queryset,
        blurbs,
        recent_works,
    )
    from chapterhouse.works.selectors.visibility import works_visible_to

    archive = generate(WORKS, bases=bases_from_db())
    load(archive)

    # The newest work a guest may see heads the home page and its creator's works.
    visible = np.flatnonzero(archive.guest_visible)
    newest = visible[np.lexsort((-visible, -archive.revised[visible]))[0]]
    newest_id = int(archive.work_id(newest))
    assert recent_works(viewer=None)[0].work_id == newest_id
    shown = blurbs(blurb_queryset(Work.objects.filter(pk=newest_id)))[0]
    assert [t.pk for t in shown.rating] == [int(archive.rating[newest])]
    fandoms = {archive.tag_name(t) for t in archive.tags_of(newest)
               if t > archive.bases.tag and archive.tag_type[archive.tag_index(t)] == FANDOM}
    assert {t.name for t in shown.fandoms} == fandoms
    creator = Work.objects.get(pk=newest_id).creatorships.order_by("position").first().pseud.user
    by_creator = search_works(viewer=AnonymousUser(), query=WorkQuery(user_id=creator.pk),
                              with_facets=False)
    assert by_creator.page.items[0].work.pk == newest_id

    # Filter tags are what the site's own rules compute from the direct tags.
    sample = [int(archive.work_id(i)) for i in range(0, WORKS, 7)]
    stored: dict[int, set[int]] = {work_id: set() for work_id in sample}
    for work_id, tag_id in WorkFilterTag.objects.filter(work_id__in=sample).values_list(
        "work_id", "tag_id"
    ):
        stored[work_id].add(tag_id)
    assert stored == filter_tags_for(sample)
    synonym_use = WorkTag.objects.filter(work_id__in=sample, tag__merger__isnull=False).first()
    assert synonym_use is not None
    assert WorkFilterTag.objects.filter(work_id=synonym_use.work_id,
                                        tag_id=synonym_use.tag.merger_id).exists()

    # Counts and visibility as generated.
    tag = Tag.objects.get(pk=archive.subjects.largest_fandom)
    assert tag.use_count == WorkTag.objects.filter(tag=tag).count()
    restricted = int(archive.work_id(np.flatnonzero(archive.restricted & archive.posted)[0]))
    draft = int(archive.work_id(np.flatnonzero(~archive.posted)[0]))
    guest_ids = set(works_visible_to(None).filter(pk__in=[restricted, draft])
                    .values_list("pk", flat=True))
    assert guest_ids == set()
    assert Work.objects.filter(posted=True).count() == int(archive.posted.sum())
    assert math.isclose(Work.objects.get(pk=newest_id).word_count, archive.words[newest])
