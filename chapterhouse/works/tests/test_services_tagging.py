import pytest
from django.core.exceptions import ValidationError

from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY, VIOLENCE
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.services import tagging
from chapterhouse.works.services.tagging import TagChoice, work_tags_set
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db


def choice(**kwargs):
    base = {"rating": GENERAL, "warnings": [NO_WARNINGS_APPLY], "fandoms": "Tidewatch"}
    base.update(kwargs)
    return TagChoice(**base)


def names_of(work):
    return [wt.tag.name for wt in work.worktag_set.select_related("tag")]


def test_typed_names_become_tags_of_the_field_type_in_order():
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(
        categories=[21], relationships="Ines/Marguerite", characters="Ines, Marguerite",
        freeforms="Slow Burn,  Lighthouses ",
    ))
    assert names_of(work) == [
        "General Audiences", "No Archive Warnings Apply", "Gen", "Tidewatch",
        "Ines/Marguerite", "Ines", "Marguerite", "Slow Burn", "Lighthouses",
    ]
    assert Tag.objects.get(name="Ines/Marguerite").type == TagType.RELATIONSHIP
    assert Tag.objects.get(name="Marguerite").type == TagType.CHARACTER
    assert Tag.objects.get(name="Lighthouses").type == TagType.FREEFORM


def test_existing_tag_is_reused_whatever_its_case_and_type():
    existing = tag("Storm Season", TagType.FANDOM)
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(freeforms="storm season"))
    assert Tag.objects.filter(name__iexact="storm season").count() == 1
    assert existing.pk in work.worktag_set.values_list("tag_id", flat=True)


def test_duplicate_names_are_dropped():
    assert tagging.tag_names_split("Fluff, fluff ,FLUFF,Angst") == ["Fluff", "Angst"]


@pytest.mark.parametrize("bad", ["^", "a*b", "<x>", "{x}", "a=b", "a`b", "a，b", "a、b",
                                 "a\\b", "100%"])
def test_forbidden_characters_are_refused_with_the_list(bad):
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=choice(freeforms=bad))
    message = " ".join(caught.value.message_dict["freeforms"])
    assert "cannot include the following restricted characters" in message
    assert "， 、" in message


def test_tag_name_longer_than_100_is_refused():
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=choice(characters="x" * 101))
    assert "too long" in caught.value.message_dict["characters"][0]
    work_tags_set(work=WorkFactory(), choice=choice(characters="y" * 100))


def test_more_than_75_user_tags_are_refused():
    many = ", ".join(f"Tag {n}" for n in range(75))  # + the fandom = 76
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=choice(freeforms=many))
    assert "at most 75" in caught.value.message_dict["freeforms"][0]
    fewer = ", ".join(f"Tag {n}" for n in range(74))
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(freeforms=fewer))
    assert work.worktag_set.count() == 2 + 75


def test_rating_warning_and_fandom_are_required():
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=TagChoice(rating=None, warnings=[], fandoms=" "))
    errors = caught.value.message_dict
    assert set(errors) == {"rating", "warnings", "fandoms"}


def test_a_warning_id_that_is_not_a_warning_is_refused():
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=choice(warnings=[GENERAL]))
    assert "warnings" in caught.value.message_dict


def test_fixed_tag_names_typed_as_user_tags_are_refused():
    with pytest.raises(ValidationError) as caught:
        work_tags_set(work=WorkFactory(), choice=choice(freeforms="Major Character Death"))
    assert "choose it from the list" in caught.value.message_dict["freeforms"][0]


def test_tag_choice_of_round_trips_the_form_values():
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(warnings=[VIOLENCE], characters="Ines, Oona"))
    back = tagging.tag_choice_of(work)
    assert back.rating == GENERAL and back.warnings == [VIOLENCE]
    assert back.fandoms == "Tidewatch" and back.characters == "Ines, Oona"


# New names are made in one insert; these pin what that insert must keep.


def test_a_new_name_typed_in_two_fields_is_one_tag_of_the_first_fields_type():
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(characters="Wren, Tamsin", freeforms="wren, Fog"))
    assert names_of(work) == [
        "General Audiences", "No Archive Warnings Apply", "Tidewatch", "Wren", "Tamsin", "Fog",
    ]
    assert Tag.objects.filter(name__iexact="wren").get().type == TagType.CHARACTER


def test_a_name_someone_else_made_meanwhile_is_reused(monkeypatch):
    """Another work posted at the same moment made the tag after this one looked."""
    made_meanwhile = tag("Sea Glass")
    monkeypatch.setattr(tagging, "tags_by_names", lambda names: {})
    work = WorkFactory()
    work_tags_set(work=work, choice=choice(freeforms="sea glass, Foghorns"))
    assert Tag.objects.filter(name__iexact="sea glass").count() == 1
    assert names_of(work)[-2:] == ["Sea Glass", "Foghorns"]
    assert made_meanwhile.pk in work.worktag_set.values_list("tag_id", flat=True)


def test_new_tag_names_are_offered_by_autocomplete():
    from chapterhouse.accounts.tests.factories import UserFactory
    from chapterhouse.tags.page_selectors import tags_autocomplete

    work_tags_set(work=WorkFactory(), choice=choice(freeforms="Lantern Keepers"))
    staff = UserFactory(is_staff=True)
    assert [t["name"] for t in tags_autocomplete(viewer=staff, term="lante")] == [
        "Lantern Keepers"
    ]
