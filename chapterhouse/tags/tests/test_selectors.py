"""Finding tags by typed names (tags/selectors.py)."""

import pytest

from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.selectors import tags_by_names, tags_named

pytestmark = pytest.mark.django_db


def test_tags_by_names_finds_what_tags_named_finds_for_each_name(django_assert_num_queries):
    for name in ("Slow Burn", "Émile Zola", "ÉCLAIRS", "Straße", "Kylo Ren/Rey"):
        Tag.objects.create(name=name, type=TagType.FREEFORM)
    typed = ["slow burn", "SLOW BURN", "émile zola", "Éclairs", "STRASSE", "kylo ren/rey",
             "Nobody Made This", "Slow  Burn"]
    with django_assert_num_queries(1):
        found = tags_by_names(typed)
    # Whatever the database counts as the same name (SQLite lowers ASCII
    # letters only), the one query agrees with asking name by name.
    assert {name: tag.pk for name, tag in found.items()} == {
        name: tags_named(name).get().pk for name in typed if tags_named(name).exists()
    }
    assert found["slow burn"].name == found["SLOW BURN"].name == "Slow Burn"
    assert "Nobody Made This" not in found and "Slow  Burn" not in found
    assert tags_by_names([]) == {}
