"""Readers' discovery settings: muting, saved filters and following, as the
services write them."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import services
from chapterhouse.discovery.models import (
    FilterSubscription,
    OutboxEvent,
    SavedFilter,
    TagMute,
    UserMute,
)
from chapterhouse.tags.models import Tag, TagType

pytestmark = pytest.mark.django_db


def make_tag(name, tag_type=TagType.FREEFORM, **extra):
    return Tag.objects.create(name=name, type=tag_type, **extra)


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# Muting users -----------------------------------------------------------------------------


def test_muting_a_user_twice_keeps_one_mute(user, other_user):
    first = services.user_mute(user=user, muted=other_user)
    second = services.user_mute(user=user, muted=other_user)
    assert first.pk == second.pk
    assert UserMute.objects.filter(user=user).count() == 1


def test_nobody_can_mute_themselves(user):
    with pytest.raises(ValidationError) as excinfo:
        services.user_mute(user=user, muted=user)
    assert "can't mute yourself" in messages_of(excinfo)
    assert not UserMute.objects.exists()


def test_muting_nobody_says_there_is_no_such_user(user):
    with pytest.raises(ValidationError) as excinfo:
        services.user_mute(user=user, muted=None)
    assert "no user by that name" in messages_of(excinfo)


def test_a_guest_cannot_mute(other_user):
    with pytest.raises(PermissionDenied):
        services.user_mute(user=AnonymousUser(), muted=other_user)


def test_unmuting_removes_the_mute_and_says_whether_there_was_one(user, other_user):
    services.user_mute(user=user, muted=other_user)
    assert services.user_unmute(user=user, muted=other_user) is True
    assert services.user_unmute(user=user, muted=other_user) is False
    assert not UserMute.objects.exists()


def test_mutes_record_nothing_in_the_outbox(user, other_user):
    tag = make_tag("Slow Burn", canonical=True)
    before = OutboxEvent.objects.count()
    services.user_mute(user=user, muted=other_user)
    services.tag_mute(user=user, tag=tag)
    assert OutboxEvent.objects.count() == before


# Muting tags -----------------------------------------------------------------------------------


def test_muting_a_synonym_mutes_its_canonical(user):
    canonical = make_tag("Enemies to Lovers", canonical=True)
    synonym = make_tag("enemies 2 lovers", merger=canonical)
    mute = services.tag_mute(user=user, tag=synonym)
    assert mute.tag_id == canonical.pk
    assert services.tag_mute(user=user, tag=canonical).pk == mute.pk
    # Unmuting through the synonym undoes it too.
    assert services.tag_unmute(user=user, tag=synonym) is True
    assert not TagMute.objects.exists()


def test_an_unwrangled_tag_can_be_muted(user):
    tag = make_tag("lighthouse smut")
    assert services.tag_mute(user=user, tag=tag).tag_id == tag.pk


def test_a_medium_cannot_be_muted_and_says_what_to_do(user):
    medium = make_tag("Books & Literature", TagType.MEDIA, canonical=True)
    with pytest.raises(ValidationError) as excinfo:
        services.tag_mute(user=user, tag=medium)
    assert "one of its fandoms" in messages_of(excinfo)


def test_an_unwrangleable_tag_cannot_be_muted(user):
    tag = make_tag("i don't know how to tag", unwrangleable=True)
    with pytest.raises(ValidationError) as excinfo:
        services.tag_mute(user=user, tag=tag)
    assert "isn't used for filtering" in messages_of(excinfo)


def test_muting_a_tag_that_is_gone_says_so(user):
    with pytest.raises(ValidationError) as excinfo:
        services.tag_mute(user=user, tag=None)
    assert "no tag by that name" in messages_of(excinfo)


# Saved filters ---------------------------------------------------------------------------------


def test_saving_a_filter_keeps_its_query_without_the_page(user):
    saved = services.saved_filter_create(
        user=user,
        name="  Long   finished  fic ",
        query="?work_search%5Bcomplete%5D=T&page=4&work_search%5Bwords_from%5D=10000&commit=Sort",
    )
    assert saved.name == "Long finished fic"
    assert saved.query == "work_search%5Bcomplete%5D=T&work_search%5Bwords_from%5D=10000"


def test_a_filter_needs_a_name(user):
    with pytest.raises(ValidationError) as excinfo:
        services.saved_filter_create(user=user, name="   ", query="work_search[complete]=T")
    assert excinfo.value.message_dict["name"] == ["Please give the filter a name."]


def test_a_name_over_100_characters_is_refused(user):
    with pytest.raises(ValidationError) as excinfo:
        services.saved_filter_create(user=user, name="x" * 101, query="work_search[complete]=T")
    assert "101 characters" in excinfo.value.message_dict["name"][0]


def test_a_filter_with_nothing_in_it_is_refused(user):
    with pytest.raises(ValidationError) as excinfo:
        services.saved_filter_create(user=user, name="Everything", query="page=2")
    assert "choose some filters first" in excinfo.value.message_dict["query"][0]


def test_a_duplicate_name_replaces_nothing_and_says_so(user):
    first = services.saved_filter_create(user=user, name="Comfort", query="work_search[complete]=T")
    with pytest.raises(ValidationError) as excinfo:
        services.saved_filter_create(user=user, name="comfort", query="work_search[complete]=F")
    assert "already have a saved filter named" in excinfo.value.message_dict["name"][0]
    first.refresh_from_db()
    assert first.query == "work_search%5Bcomplete%5D=T"
    assert SavedFilter.objects.filter(user=user).count() == 1


def test_another_reader_may_use_the_same_name(user, other_user):
    services.saved_filter_create(user=user, name="Comfort", query="work_search[complete]=T")
    services.saved_filter_create(user=other_user, name="Comfort", query="work_search[complete]=T")
    assert SavedFilter.objects.filter(name="Comfort").count() == 2


def test_a_reader_keeps_at_most_50_filters(user):
    SavedFilter.objects.bulk_create(
        SavedFilter(user=user, name=f"Filter {n}", query="work_search%5Bcomplete%5D=T")
        for n in range(services.SAVED_FILTERS_MAX)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.saved_filter_create(user=user, name="One more", query="work_search[complete]=T")
    assert "Delete one first" in excinfo.value.message_dict["name"][0]


def test_only_the_owner_deletes_a_saved_filter(user, other_user):
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    with pytest.raises(PermissionDenied):
        services.saved_filter_delete(user=other_user, saved_filter=saved)
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    services.filter_subscribe(user=user, saved_filter=saved)
    services.saved_filter_delete(user=user, saved_filter=saved)
    assert not SavedFilter.objects.exists()
    assert not FilterSubscription.objects.exists()


# Following -------------------------------------------------------------------------------------


def test_following_a_tag_twice_keeps_one_subscription(user):
    tag = make_tag("Found Family", canonical=True)
    first = services.filter_subscribe(user=user, tag=tag)
    assert services.filter_subscribe(user=user, tag=tag).pk == first.pk
    assert FilterSubscription.objects.count() == 1


def test_following_a_synonym_follows_its_canonical(user):
    canonical = make_tag("Hurt/Comfort", canonical=True)
    synonym = make_tag("h/c", merger=canonical)
    assert services.filter_subscribe(user=user, tag=synonym).tag_id == canonical.pk
    assert services.filter_unsubscribe(user=user, tag=synonym) is True
    assert not FilterSubscription.objects.exists()


def test_nobody_follows_another_readers_saved_filter(user, other_user):
    theirs = services.saved_filter_create(
        user=other_user, name="Theirs", query="work_search[complete]=T"
    )
    with pytest.raises(PermissionDenied):
        services.filter_subscribe(user=user, saved_filter=theirs)
    assert not FilterSubscription.objects.exists()


def test_following_needs_exactly_one_target(user):
    tag = make_tag("Fluff", canonical=True)
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    with pytest.raises(ValidationError):
        services.filter_subscribe(user=user)
    with pytest.raises(ValidationError):
        services.filter_subscribe(user=user, tag=tag, saved_filter=saved)


def test_following_a_deleted_tag_says_so(user):
    tag = make_tag("Fleeting", canonical=True)
    Tag.objects.filter(pk=tag.pk).delete()
    with pytest.raises(ValidationError) as excinfo:
        services.filter_subscribe(user=user, tag=tag)
    assert "no tag by that name" in messages_of(excinfo)


def test_unfollowing_a_saved_filter(user):
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    services.filter_subscribe(user=user, saved_filter=saved)
    assert services.filter_unsubscribe(user=user, saved_filter=saved) is True
    assert services.filter_unsubscribe(user=user, saved_filter=saved) is False


def test_a_guest_cannot_follow():
    tag = make_tag("Fluff", canonical=True)
    with pytest.raises(PermissionDenied):
        services.filter_subscribe(user=AnonymousUser(), tag=tag)


def test_saved_filters_and_follows_record_nothing_in_the_outbox(user):
    tag = make_tag("Fluff", canonical=True)
    before = OutboxEvent.objects.count()
    saved = services.saved_filter_create(user=user, name="Mine", query="work_search[complete]=T")
    services.filter_subscribe(user=user, saved_filter=saved)
    services.filter_subscribe(user=user, tag=tag)
    assert OutboxEvent.objects.count() == before


def test_an_inactive_account_cannot_mute():
    closed = UserFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        services.user_mute(user=closed, muted=UserFactory())
