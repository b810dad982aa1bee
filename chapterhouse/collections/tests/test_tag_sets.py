"""Owned tag sets: owners keep them, others nominate, owners review; a prompt
meme restricted to a tag set takes only its tags."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections.models import NominationStatus, Prompt
from chapterhouse.collections.prompts import services as prompts
from chapterhouse.collections.prompts import tag_sets
from chapterhouse.tags.models import Tag, TagType

from .factories import collection as make_collection

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(db):
    return UserFactory(username="set_keeper")


@pytest.fixture
def tag_set(owner):
    found = tag_sets.tag_set_create(user=owner, title="Yuletide 2026", nominations_open=True)
    tag_sets.tag_set_tags_add(
        user=owner, tag_set=found, tag_type=TagType.FANDOM, names="Tidewater, Harbour Lights"
    )
    return found


def test_owner_adds_tags_others_may_not(tag_set, owner):
    assert [t.name for t in tag_sets.tag_set_tags(tag_set)[TagType.FANDOM]] == [
        "Harbour Lights", "Tidewater"
    ]
    with pytest.raises(PermissionDenied):
        tag_sets.tag_set_tags_add(
            user=UserFactory(), tag_set=tag_set, tag_type=TagType.FANDOM, names="Mine"
        )
    with pytest.raises(ValidationError):
        tag_sets.tag_set_tags_add(
            user=owner, tag_set=tag_set, tag_type=TagType.RATING, names="Explicit"
        )


def test_nominations_reviewed_by_owners(tag_set, owner):
    nominator = UserFactory()
    nomination = tag_sets.tag_nominate(
        user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="Quiet Ports"
    )
    with pytest.raises(ValidationError, match="already nominated"):
        tag_sets.tag_nominate(
            user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="quiet ports"
        )
    assert tag_sets.tag_set_nominations(viewer=nominator, tag_set=tag_set) is None
    assert [n.name for n in tag_sets.tag_set_nominations(viewer=owner, tag_set=tag_set)] == [
        "Quiet Ports"
    ]
    with pytest.raises(PermissionDenied):
        tag_sets.tag_nomination_review(user=nominator, nomination=nomination, approve=True)
    reviewed = tag_sets.tag_nomination_review(user=owner, nomination=nomination, approve=True)
    assert reviewed.status == NominationStatus.APPROVED
    assert tag_sets.tag_set_allows(tag_set, Tag.objects.get(name="Quiet Ports"))
    rejected = tag_sets.tag_nominate(
        user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="Loud Ports"
    )
    tag_sets.tag_nomination_review(user=owner, nomination=rejected, approve=False)
    assert not tag_set.set_tags.filter(tag__name="Loud Ports").exists()


def test_nominations_closed_and_limited(tag_set, owner):
    tag_set.nominations_per_type = 1
    tag_set.save()
    nominator = UserFactory()
    tag_sets.tag_nominate(user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="A1")
    with pytest.raises(ValidationError, match="1 tags of each type"):
        tag_sets.tag_nominate(user=nominator, tag_set=tag_set, tag_type=TagType.FANDOM, name="A2")
    tag_sets.tag_set_edit(user=owner, tag_set=tag_set, nominations_open=False)
    with pytest.raises(ValidationError, match="closed"):
        tag_sets.tag_nominate(
            user=UserFactory(), tag_set=tag_set, tag_type=TagType.FANDOM, name="B1"
        )


def test_tag_set_allows_synonyms_of_its_tags(tag_set):
    canonical = Tag.objects.get(name="Tidewater")
    synonym = Tag.objects.create(name="Tide Water", type=TagType.FANDOM, merger=canonical)
    other = Tag.objects.create(name="Elsewhere", type=TagType.FANDOM)
    assert tag_sets.tag_set_allows(tag_set, synonym)
    assert not tag_sets.tag_set_allows(tag_set, other)
    assert tag_sets.tag_set_allows(None, other)


def test_prompt_meme_restricted_to_a_tag_set(tag_set, owner):
    meme = make_collection(owner=owner, name="yule_meme", title="Yule Meme")
    prompts.prompt_meme_set(user=owner, collection=meme, tag_set=tag_set)
    member = UserFactory()
    with pytest.raises(ValidationError) as error:
        prompts.prompt_post(user=member, collection=meme, tags={"fandoms": "Elsewhere"})
    assert "not in this challenge's tag set" in error.value.message_dict["fandoms"][0]
    assert not Tag.objects.filter(name="Elsewhere").exists()
    prompts.prompt_post(user=member, collection=meme, tags={"fandoms": "Tidewater"})
    assert Prompt.objects.count() == 1
