import importlib

import pytest
from django.apps import apps

from chapterhouse.discovery.models import OutboxEvent
from chapterhouse.discovery.outbox import WORK_FILTER_TAGS
from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
from chapterhouse.tags.models import MetaTagging, Tag, TagType, WorkFilterTag
from chapterhouse.tags.services.filters import (
    filter_tags_for,
    tag_use_counts_flush,
    work_filter_tags_refresh,
)
from chapterhouse.works.models import WorkTag
from chapterhouse.works.services.tagging import TagChoice, work_tags_set
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db


def canonical(name, tag_type=TagType.FREEFORM):
    made = tag(name, tag_type)
    made.canonical = True
    made.save()
    return made


def tagged(*tags):
    work = WorkFactory()
    for position, each in enumerate(tags, start=10):
        WorkTag.objects.create(work=work, tag=each, position=position)
    return work


def filter_ids(work):
    return set(WorkFilterTag.objects.filter(work=work).values_list("tag_id", flat=True))


def test_synonym_of_subtag_is_found_under_the_metatag():
    au = canonical("Alternate Universe")
    coffee = canonical("Alternate Universe - Coffee Shops & Cafés")
    MetaTagging.objects.create(meta=au, sub=coffee)
    typed = tag("coffee shop au")
    typed.merger = coffee
    typed.save()
    work = tagged(typed)

    work_filter_tags_refresh(work_ids=[work.pk])

    assert {au.pk, coffee.pk} <= filter_ids(work)
    assert typed.pk not in filter_ids(work)
    assert WorkFilterTag.objects.filter(tag=au, work=work).exists()


def test_metatags_are_followed_transitively_and_loops_in_old_data_end():
    top, middle, bottom = canonical("Top"), canonical("Middle"), canonical("Bottom")
    MetaTagging.objects.create(meta=top, sub=middle)
    MetaTagging.objects.create(meta=middle, sub=bottom)
    MetaTagging.objects.create(meta=bottom, sub=top)  # a loop the services would refuse
    work = tagged(bottom)

    assert {top.pk, middle.pk, bottom.pk} <= filter_tags_for([work.pk])[work.pk]


def test_unwrangled_tag_counts_as_itself_and_unwrangleable_as_nothing():
    loose = tag("just vibes")
    odd = tag("i don't know how to tag")
    odd.unwrangleable = True
    odd.save()
    work = tagged(loose, odd)

    result = filter_tags_for([work.pk])[work.pk]

    assert loose.pk in result
    assert odd.pk not in result
    assert GENERAL in result


def test_refresh_writes_only_the_difference_and_tells_the_outbox():
    first, second = canonical("First"), canonical("Second")
    work = tagged(first)
    work_filter_tags_refresh(work_ids=[work.pk])
    OutboxEvent.objects.all().delete()
    WorkTag.objects.filter(work=work, tag=first).delete()
    WorkTag.objects.create(work=work, tag=second, position=20)

    written = work_filter_tags_refresh(work_ids=[work.pk])

    assert written == 2
    assert second.pk in filter_ids(work) and first.pk not in filter_ids(work)
    event = OutboxEvent.objects.get(topic=WORK_FILTER_TAGS)
    assert event.payload == {"work_ids": [work.pk]}
    assert work_filter_tags_refresh(work_ids=[work.pk]) == 0


def test_refresh_of_one_work_takes_a_few_queries(django_assert_max_num_queries):
    top, below = canonical("Top"), canonical("Below")
    MetaTagging.objects.create(meta=top, sub=below)
    work = tagged(below)

    with django_assert_max_num_queries(10):
        work_filter_tags_refresh(work_ids=[work.pk])


def test_posting_tags_makes_the_work_filterable_at_once_and_counts_uses():
    fandom = canonical("Lighthouse Keepers", TagType.FANDOM)
    synonym = tag("LK", TagType.FANDOM)
    synonym.merger = fandom
    synonym.save()
    work = WorkFactory()
    WorkTag.objects.filter(work=work).delete()
    choice = TagChoice(rating=GENERAL, warnings=[NO_WARNINGS_APPLY],
                       fandoms="LK", freeforms="storms")

    work_tags_set(work=work, choice=choice)

    assert fandom.pk in filter_ids(work)
    tag_use_counts_flush()
    synonym.refresh_from_db()
    assert synonym.use_count == 1
    storms = Tag.objects.get(name="storms")
    assert storms.use_count == 1 and storms.pk in filter_ids(work)

    work_tags_set(work=work, choice=TagChoice(
        rating=GENERAL, warnings=choice.warnings, fandoms="LK", freeforms="rain"))
    tag_use_counts_flush()
    storms.refresh_from_db()
    assert storms.use_count == 0
    assert storms.pk not in filter_ids(work)


def test_data_migration_computes_rows_for_existing_works():
    parent, child = canonical("Parent Tag"), canonical("Child Tag")
    MetaTagging.objects.create(meta=parent, sub=child)
    work = tagged(child)
    WorkFilterTag.objects.all().delete()
    migration = importlib.import_module("chapterhouse.tags.migrations.0004_filter_tags_backfill")

    migration.filter_tags_backfill(apps, None)

    assert {parent.pk, child.pk, GENERAL} <= filter_ids(work)
    child.refresh_from_db()
    assert child.use_count == 1
