"""Readers who follow a tag or a saved filter are told of each new matching
work once, and only of works they may see and haven't muted."""

import pytest

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import services
from chapterhouse.discovery.models import FilterNotification, OutboxEvent
from chapterhouse.discovery.notifications import filter_notifications_run
from chapterhouse.discovery.outbox import WORK_POSTED
from chapterhouse.tags.fixed import MAJOR_CHARACTER_DEATH
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.services.posting import work_post
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

FANDOM = "Lighthouse Keepers"


def post_work(creator, *, tags=(), **fields) -> Work:
    """A draft with its filter tags, posted by its creator as the posting form does."""
    draft = WorkFactory(creator=creator, posted=False, fandom=FANDOM, **fields)
    for position, extra in enumerate(tags, start=10):
        WorkTag.objects.create(work=draft, tag=extra, position=position)
    work_filter_tags_refresh(work_ids=[draft.pk])
    return work_post(user=creator, work=draft)


@pytest.fixture
def fandom(db):
    return Tag.objects.create(name=FANDOM, type=TagType.FANDOM, canonical=True)


@pytest.fixture
def writer(db):
    return UserFactory(username="writer_wren")


def told(reader) -> list[int]:
    return sorted(FilterNotification.objects.filter(user=reader).values_list("work_id", flat=True))


def test_a_tag_follower_is_told_once_of_each_new_work_even_if_the_task_runs_twice(
    user, writer, fandom
):
    services.filter_subscribe(user=user, tag=fandom)
    first = post_work(writer)
    second = post_work(writer)
    assert filter_notifications_run() == 2
    assert filter_notifications_run() == 0
    assert told(user) == [first.pk, second.pk]
    assert not OutboxEvent.objects.filter(topic=WORK_POSTED, processed_at__isnull=True).exists()


def test_an_event_seen_again_tells_nobody_twice(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    work = post_work(writer)
    filter_notifications_run()
    OutboxEvent.objects.create(topic=WORK_POSTED, payload={"work_ids": [work.pk]})
    assert filter_notifications_run() == 0
    assert told(user) == [work.pk]


def test_followers_of_a_synonym_are_told_of_works_tagged_with_the_canonical(user, writer, fandom):
    synonym = Tag.objects.create(name="Lamp Keepers", type=TagType.FANDOM, merger=fandom)
    services.filter_subscribe(user=user, tag=synonym)
    work = post_work(writer)
    filter_notifications_run()
    assert told(user) == [work.pk]


def test_a_follower_of_a_metatag_is_told_of_its_subtags_works(user, writer, fandom):
    from chapterhouse.tags.models import MetaTagging

    meta = Tag.objects.create(name="Maritime Fiction", type=TagType.FANDOM, canonical=True)
    MetaTagging.objects.create(meta=meta, sub=fandom)
    services.filter_subscribe(user=user, tag=meta)
    work = post_work(writer)
    filter_notifications_run()
    assert told(user) == [work.pk]


def test_nobody_is_told_of_their_own_work(writer, fandom):
    services.filter_subscribe(user=writer, tag=fandom)
    post_work(writer)
    assert filter_notifications_run() == 0


def test_a_restricted_work_is_told_to_a_signed_in_follower(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    work = post_work(writer, restricted=True)
    filter_notifications_run()
    assert told(user) == [work.pk]


def test_a_work_hidden_before_the_task_runs_is_told_to_nobody(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    work = post_work(writer)
    Work.objects.filter(pk=work.pk).update(hidden_by_admin=True)
    assert filter_notifications_run() == 0
    assert told(user) == []


def test_a_muted_creators_work_is_not_told(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    services.user_mute(user=user, muted=writer)
    post_work(writer)
    assert filter_notifications_run() == 0


def test_a_muted_creators_anonymous_work_is_told_as_any_other(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    services.user_mute(user=user, muted=writer)
    work = post_work(writer, anonymous=True)
    filter_notifications_run()
    assert told(user) == [work.pk]


def test_a_work_under_a_muted_warning_is_not_told(user, writer, fandom):
    death = Tag.objects.get(pk=MAJOR_CHARACTER_DEATH)
    services.filter_subscribe(user=user, tag=fandom)
    services.tag_mute(user=user, tag=death)
    post_work(writer, tags=[death])
    kept = post_work(writer)
    filter_notifications_run()
    assert told(user) == [kept.pk]


def test_a_work_under_another_tag_is_not_told(user, writer, fandom):
    other = Tag.objects.create(name="Deep Sea Divers", type=TagType.FANDOM, canonical=True)
    services.filter_subscribe(user=user, tag=other)
    post_work(writer)
    assert filter_notifications_run() == 0


def test_a_saved_filter_follower_is_told_of_matching_works_only(user, writer, fandom):
    saved = services.saved_filter_create(
        user=user, name="Unfinished lighthouses",
        query=f"tag_id={FANDOM}&work_search%5Bcomplete%5D=F",
    )
    services.filter_subscribe(user=user, saved_filter=saved)
    post_work(writer)  # complete: no
    in_progress = post_work(writer, chapters=2)
    filter_notifications_run()
    assert told(user) == [in_progress.pk]
    assert FilterNotification.objects.get(user=user).subscription.saved_filter_id == saved.pk


def test_a_reader_whose_tag_and_filter_both_match_is_told_once(user, writer, fandom):
    saved = services.saved_filter_create(user=user, name="All lighthouses",
                                         query=f"tag_id={FANDOM}")
    services.filter_subscribe(user=user, saved_filter=saved)
    services.filter_subscribe(user=user, tag=fandom)
    work = post_work(writer)
    assert filter_notifications_run() == 1
    assert told(user) == [work.pk]


def test_every_follower_is_told(user, other_user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    services.filter_subscribe(user=other_user, tag=fandom)
    work = post_work(writer)
    assert filter_notifications_run() == 2
    assert told(user) == [work.pk]
    assert told(other_user) == [work.pk]


def test_a_run_takes_at_most_limit_events(user, writer, fandom):
    services.filter_subscribe(user=user, tag=fandom)
    for _ in range(3):
        post_work(writer)
    assert filter_notifications_run(limit=2) == 2
    assert filter_notifications_run(limit=2) == 1
