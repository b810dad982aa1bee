"""``mutes_of``: what a reader has muted, asked once per request."""

import pytest
from django.contrib.auth.models import AnonymousUser

from chapterhouse.discovery import services
from chapterhouse.discovery.models import TagMute
from chapterhouse.discovery.mutes import Mutes, mutes_of
from chapterhouse.tags.fixed import MAJOR_CHARACTER_DEATH
from chapterhouse.tags.models import Tag, TagType

pytestmark = pytest.mark.django_db


def test_a_guest_has_no_mutes_and_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert mutes_of(AnonymousUser()) == Mutes()
        assert not mutes_of(None)


def test_a_readers_muted_users_and_tags(user, other_user):
    tag = Tag.objects.get(pk=MAJOR_CHARACTER_DEATH)
    services.user_mute(user=user, muted=other_user)
    services.tag_mute(user=user, tag=tag)
    fresh = type(user).objects.get(pk=user.pk)
    mutes = mutes_of(fresh)
    assert mutes.user_ids == frozenset({other_user.pk})
    assert mutes.tag_ids == frozenset({tag.pk})


def test_mutes_are_asked_once_per_user_object(user, other_user, django_assert_num_queries):
    services.user_mute(user=user, muted=other_user)
    reader = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(2):
        mutes_of(reader)
    with django_assert_num_queries(0):
        for _ in range(5):
            assert other_user.pk in mutes_of(reader).user_ids


def test_a_new_mute_is_seen_at_once_by_the_same_user_object(user, other_user):
    assert not mutes_of(user)
    services.user_mute(user=user, muted=other_user)
    assert mutes_of(user).user_ids == frozenset({other_user.pk})
    services.user_unmute(user=user, muted=other_user)
    assert not mutes_of(user)


def test_a_muted_tag_later_made_a_synonym_mutes_its_canonical(user):
    typed = Tag.objects.create(name="drowning", type=TagType.FREEFORM)
    services.tag_mute(user=user, tag=typed)
    canonical = Tag.objects.create(name="Drowning Mention", type=TagType.FREEFORM, canonical=True)
    Tag.objects.filter(pk=typed.pk).update(merger=canonical)
    assert TagMute.objects.get(user=user).tag_id == typed.pk
    reader = type(user).objects.get(pk=user.pk)
    assert mutes_of(reader).tag_ids == frozenset({canonical.pk})


def test_hides_a_muted_creators_work_unless_it_is_anonymous():
    mutes = Mutes(user_ids=frozenset({7}), tag_ids=frozenset({40}))
    assert mutes.hides(creator_user_ids={7, 8}, filter_tag_ids=set(), anonymous=False)
    assert not mutes.hides(creator_user_ids={7}, filter_tag_ids=set(), anonymous=True)
    assert mutes.hides(creator_user_ids={7}, filter_tag_ids={40}, anonymous=True)
    assert not mutes.hides(creator_user_ids={8}, filter_tag_ids={41}, anonymous=False)
