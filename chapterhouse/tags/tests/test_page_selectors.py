"""Reads for the public tag pages: the tag page, search, the fandom index and
autocomplete. A tag's works are listed by the search index: see test_views."""


import pytest
from django.contrib.auth.models import AnonymousUser

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags import page_selectors as pages
from chapterhouse.tags.models import MetaTagging, Tag, TagParent, TagType, WorkFilterTag
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

GUEST = AnonymousUser()


def wrangler():
    """A viewer who knows every tag (admins and wranglers do): for the tests of
    matching and ordering, whatever the tags are used on."""
    return UserFactory(is_staff=True)


def make(name, tag_type=TagType.CHARACTER, *, canonical=True, merger=None, parents=(), **extra):
    tag = Tag.objects.create(
        name=name, type=tag_type, canonical=canonical, merger=merger, **extra
    )
    for parent in parents:
        TagParent.objects.create(child=tag, parent=parent)
    return tag


def filed(work, *tags):
    for tag in tags:
        WorkFilterTag.objects.create(work=work, tag=tag)
    return work


# Looking tags up by URL ------------------------------------------------------


def test_tag_found_from_escaped_url_name_in_any_case():
    tag = make("Mulder/Scully", TagType.RELATIONSHIP)
    assert pages.tag_by_url_name("Mulder*s*Scully") == tag
    assert pages.tag_by_url_name("mulder*s*scully") == tag
    assert pages.tag_path(tag.name) == "/tags/Mulder*s*Scully"
    assert pages.tag_path("Q&A. #1?", "/works") == "/tags/Q*a*A*d*%20*h*1*q*/works"
    assert pages.tag_by_url_name("Nobody*s*Here") is None


# The tag page ----------------------------------------------------------------------


def test_tag_page_gathers_parents_synonyms_metatags_subtags_and_children():
    star_wars = make("Star Wars", TagType.FANDOM)
    kylo = make("Kylo Ren", parents=[star_wars])
    ben = make("Ben Solo", canonical=False, merger=kylo)
    villains = make("Star Wars Villains")
    MetaTagging.objects.create(meta=villains, sub=kylo)
    rel = make("Kylo Ren/Rey", TagType.RELATIONSHIP, parents=[star_wars])

    page = pages.tag_page(viewer=wrangler(), tag=kylo)
    assert page.state == "canonical"
    assert page.parents == {"Fandom": [star_wars]}
    assert page.synonyms == [ben]
    assert page.metatags == [villains]
    assert pages.tag_page(viewer=wrangler(), tag=villains).subtags == [kylo]
    assert pages.tag_page(viewer=wrangler(), tag=star_wars).children == {
        "Character": [kylo], "Relationship": [rel]
    }
    assert pages.tag_page(viewer=wrangler(), tag=ben).state == "synonym"
    odd = make("odd", TagType.FREEFORM, canonical=False)
    assert pages.tag_page(viewer=wrangler(), tag=odd).state == "unwrangled"


def test_tag_page_description_is_sanitised():
    tag = make("Rey", description='<p>The <em>scavenger</em>.</p><script>alert(1)</script>')
    description = pages.tag_page(viewer=wrangler(), tag=tag).description
    assert "<em>scavenger</em>" in description and "<script" not in description


# Tag search -----------------------------------------------------------------------


def test_tag_search_filters_by_name_type_canonical_and_fandom():
    xf = make("The X-Files", TagType.FANDOM)
    mulder = make("Fox Mulder", parents=[xf])
    make("Fox McCloud")
    spooky = make("spooky fox", TagType.FREEFORM, canonical=False)

    def names(**kwargs):
        return [found.tag.name for found in pages.tags_search(viewer=wrangler(), **kwargs).items]

    assert names(name="FOX") == ["Fox McCloud", "Fox Mulder", "spooky fox"]
    assert names(name="fox", type=TagType.FREEFORM) == [spooky.name]
    assert names(name="fox", canonical=False) == [spooky.name]
    assert names(name="fox", canonical=True) == ["Fox McCloud", "Fox Mulder"]
    assert names(fandom="the x-files") == [mulder.name]
    assert names(name="Not Rated") == []  # fixed tags are not searched


# The fandom index -------------------------------------------------------------------


def test_media_index_lists_top_fandoms_by_visible_works_and_uncategorized():
    tv = make("TV Shows", TagType.MEDIA)
    xf = make("The X-Files", TagType.FANDOM, parents=[tv])
    bsg = make("Battlestar Galactica", TagType.FANDOM, parents=[tv])
    loose = make("Obscure Zine", TagType.FANDOM)
    filed(WorkFactory(), xf)
    filed(WorkFactory(), xf)
    filed(WorkFactory(restricted=True), bsg)
    filed(WorkFactory(restricted=True), bsg)
    filed(WorkFactory(restricted=True), bsg)

    media = pages.media_index(viewer=GUEST)
    assert [m.name for m in media] == ["TV Shows", "Uncategorized Fandoms"]
    assert [(r.tag.name, r.count) for r in media[0].fandoms] == [
        ("The X-Files", 2), ("Battlestar Galactica", 0)
    ]
    assert [r.tag for r in media[1].fandoms] == [loose]
    reader_view = pages.media_index(viewer=UserFactory())
    assert reader_view[0].fandoms[0].tag == bsg


def test_media_fandoms_groups_canonical_fandoms_by_letter():
    books = make("Books & Literature", TagType.MEDIA)
    for name in ["Discworld", "Dune", "Anne of Green Gables", "1984"]:
        make(name, TagType.FANDOM, parents=[books])
    make("Dune (Herbert)", TagType.FANDOM, canonical=False, parents=[books])
    found = pages.media_fandoms(viewer=GUEST, medium_url_name="Books *a* Literature")
    assert found.name == "Books & Literature"
    assert [(g.letter, [r.tag.name for r in g.fandoms]) for g in found.letters] == [
        ("#", ["1984"]), ("A", ["Anne of Green Gables"]), ("D", ["Discworld", "Dune"]),
    ]
    assert pages.media_fandoms(viewer=GUEST, medium_url_name="Nope") is None
    uncategorized = pages.media_fandoms(viewer=GUEST, medium_url_name="Uncategorized Fandoms")
    assert uncategorized is not None and uncategorized.letters == []


# Autocomplete -------------------------------------------------------------------------


def test_autocomplete_puts_canonical_first_then_prefix_before_substring():
    make("Poe Dameron")
    make("Dameron's Droid")
    make("poe the droid", canonical=False)
    make("A Poem", canonical=False)
    make("Kylo Ren")
    viewer = wrangler()
    found = [t["name"] for t in pages.tags_autocomplete(viewer=viewer, term="poe",
                                                        type=TagType.CHARACTER)]
    assert found == ["Poe Dameron", "poe the droid", "A Poem"]
    found = [t["name"] for t in pages.tags_autocomplete(viewer=viewer, term="dam",
                                                        type=TagType.CHARACTER)]
    assert found == ["Dameron's Droid", "Poe Dameron"]
    # One or two letters match beginnings only.
    assert [t["name"] for t in pages.tags_autocomplete(viewer=viewer, term="ky")] == ["Kylo Ren"]
    assert pages.tags_autocomplete(viewer=viewer, term="  ") == []


def test_autocomplete_answers_at_most_fifteen_with_ids():
    tags = [make(f"Rey {i:02}") for i in range(20)]
    found = pages.tags_autocomplete(viewer=wrangler(), term="rey", type=TagType.CHARACTER)
    assert len(found) == 15
    assert found[0] == {"id": tags[0].pk, "name": "Rey 00"}


def test_autocomplete_narrows_characters_to_the_given_fandoms():
    star_wars = make("Star Wars", TagType.FANDOM)
    sw_synonym = make("SW", TagType.FANDOM, canonical=False, merger=star_wars)
    trek = make("Star Trek", TagType.FANDOM)
    make("Rey", parents=[star_wars])
    make("Reyes", parents=[trek])

    def names(fandoms):
        return [t["name"] for t in pages.tags_autocomplete(
            viewer=wrangler(), term="rey", type=TagType.CHARACTER, fandoms=fandoms)]

    assert names([]) == ["Rey", "Reyes"]
    assert names(["star wars"]) == ["Rey"]
    assert names([sw_synonym.name]) == ["Rey"]
    assert names(["Star Wars", "Star Trek"]) == ["Rey", "Reyes"]
    assert names(["A Fandom Nobody Has Made"]) == ["Rey", "Reyes"]


def test_autocomplete_matches_non_letters_and_type():
    make("Mulder/Scully", TagType.RELATIONSHIP)
    make("Mulder", TagType.CHARACTER)
    viewer = wrangler()
    found = pages.tags_autocomplete(viewer=viewer, term="mulder/", type=TagType.RELATIONSHIP)
    assert [t["name"] for t in found] == ["Mulder/Scully"]
    found = pages.tags_autocomplete(viewer=viewer, term="mul")
    assert [t["name"] for t in found] == ["Mulder", "Mulder/Scully"]
