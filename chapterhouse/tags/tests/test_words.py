"""Autocomplete finds a tag by the start of any word of its name, from an index."""

import pytest

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.models import Tag, TagType, TagWord
from chapterhouse.tags.page_selectors import tags_autocomplete

pytestmark = pytest.mark.django_db


def names(term, **kwargs):
    # An admin knows every tag, whatever it is used on: these tests are about matching.
    viewer = UserFactory(is_staff=True)
    return [row["name"] for row in tags_autocomplete(viewer=viewer, term=term, **kwargs)]


def test_a_word_inside_the_name_is_found_canonical_first():
    Tag.objects.create(name="Kylo Ren/Poe Dameron", type=TagType.RELATIONSHIP, canonical=True)
    Tag.objects.create(name="Ben Solo/Poe Dameron", type=TagType.RELATIONSHIP)
    Tag.objects.create(name="Poe Dameron", type=TagType.CHARACTER, canonical=True)
    assert names("poe d", type="Relationship") == [
        "Kylo Ren/Poe Dameron", "Ben Solo/Poe Dameron",
    ]
    # Whole-name prefix matches still come first.
    assert names("poe")[0] == "Poe Dameron"
    # The middle of a word is not a word start.
    assert names("ameron") == []


def test_words_follow_renames_and_wrangling():
    tag = Tag.objects.create(name="Lighthouse AU", type=TagType.FREEFORM)
    assert set(TagWord.objects.filter(tag=tag).values_list("word", flat=True)) == {
        "lighthouse", "au",
    }
    tag.name = "Lighthouse Keeper AU"
    tag.canonical = True
    tag.save()
    assert set(TagWord.objects.filter(tag=tag).values_list("word", "canonical")) == {
        ("lighthouse", True), ("keeper", True), ("au", True),
    }
    assert names("keep") == ["Lighthouse Keeper AU"]
