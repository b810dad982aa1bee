"""Listings with the filter sidebar, /works, languages and the work search, over HTTP."""

from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.fixed import (
    EXPLICIT,
    GENERAL,
    MAJOR_CHARACTER_DEATH,
    NO_WARNINGS_APPLY,
    TEEN,
    VIOLENCE,
)
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db

FANDOM = "Harbour Lights (TV)"
LISTING = "/tags/Harbour%20Lights%20(TV)/works"


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content.decode(), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text().split())


def make_work(title, *, rating=GENERAL, warnings=(NO_WARNINGS_APPLY,), extra=(), words=None,
              fandom=FANDOM, **fields):
    """A posted work in ``fandom`` with this rating, these warnings and extra tags."""
    work = WorkFactory(title=title, fandom=fandom, **fields)
    WorkTag.objects.filter(work=work, tag__type__in=[TagType.RATING, TagType.WARNING]).delete()
    position = 10
    for tag_id in (rating, *warnings):
        WorkTag.objects.create(work=work, tag_id=tag_id, position=position)
        position += 1
    for each in extra:
        WorkTag.objects.create(work=work, tag=each, position=position)
        position += 1
    if words is not None:
        work.word_count = words
        work.save()
    work_filter_tags_refresh(work_ids=[work.pk])
    return work


@pytest.fixture
def fandom_works(db):
    Tag.objects.filter(pk=tag(FANDOM, TagType.FANDOM).pk).update(canonical=True)
    fluff = tag("Fluff")
    angst = tag("Angst")
    return {
        "teen_fluff": make_work("Lamp Oil", rating=TEEN, extra=[fluff], kudos_count=40,
                                words=1200),
        "teen_death": make_work("Last Light", rating=TEEN, warnings=(MAJOR_CHARACTER_DEATH,),
                                extra=[angst], kudos_count=90, words=8000),
        "general": make_work("Fog Horn", rating=GENERAL, extra=[fluff], kudos_count=5,
                             words=300),
        "teen_violence": make_work("Breakwater", rating=TEEN, warnings=(VIOLENCE,),
                                   kudos_count=12, words=4000, complete=False),
    }


def blurb_titles(page) -> list[str]:
    return [
        li.select_one("h4.heading a").get_text()
        for li in page.select('ol[class="work index group"] > li[class="work blurb group"]')
    ]


def label_of(page, box_id) -> str:
    return text(page.find("label", attrs={"for": box_id}))


# The sidebar ------------------------------------------------------------------------


def test_tag_listing_has_ao3s_sidebar_with_counts(client, fandom_works):
    page = soup(client.get(LISTING))
    form = page.select_one("form#work-filters")
    assert form["class"] == ["narrow-filters"]
    assert form["method"] == "get"
    assert form["action"] == LISTING
    assert label_of(page, f"include_work_search_rating_ids_{TEEN}") == (
        "Teen And Up Audiences (3)"
    )
    assert label_of(page, f"include_work_search_rating_ids_{GENERAL}") == (
        "General Audiences (1)"
    )
    assert label_of(page, f"exclude_work_search_archive_warning_ids_{MAJOR_CHARACTER_DEATH}") == (
        "Major Character Death (1)"
    )
    fandom = Tag.objects.get(name=FANDOM)
    assert label_of(page, f"include_work_search_fandom_ids_{fandom.pk}") == (
        "Harbour Lights (TV) (4)"
    )
    assert label_of(page, f"include_work_search_freeform_ids_{tag('Fluff').pk}") == "Fluff (2)"
    box = page.select_one(f"#include_work_search_rating_ids_{TEEN}")
    assert box["type"] == "checkbox"
    assert box["name"] == "include_work_search[rating_ids][]"
    assert box["value"] == str(TEEN)
    assert not box.has_attr("checked")
    # Each group folds away (a <details>, so no script is needed), both for include and exclude.
    groups = [d["id"] for d in form.select("details.filter-toggle")]
    assert groups == [
        f"{action}_{key}_tags"
        for action in ("include", "exclude")
        for key in ("rating", "archive_warning", "category", "fandom", "character",
                    "relationship", "freeform")
    ]
    sort = form.select_one('select[name="work_search[sort_column]"]')
    options = [o["value"] for o in sort.find_all("option")]
    assert "_score" not in options and "kudos_count" in options
    assert sort.select_one("option[selected]")["value"] == "revised_at"
    for name in ("work_search[other_tag_names]", "work_search[excluded_tag_names]",
                 "work_search[words_from]", "work_search[words_to]", "work_search[date_from]",
                 "work_search[date_to]", "work_search[query]", "work_search[language_id]"):
        field = form.find(attrs={"name": name})
        assert field is not None, name
        assert form.find("label", attrs={"for": field["id"]}) is not None, name
    assert form.select_one('input[name="work_search[other_tag_names]"]')["data-autocomplete"] == ""
    crossover = [i["value"] for i in form.select('input[name="work_search[crossover]"]')]
    assert crossover == ["", "F", "T"]
    complete = [i["value"] for i in form.select('input[name="work_search[complete]"]')]
    assert complete == ["", "T", "F"]
    assert form.find("input", attrs={"type": "submit", "value": "Sort and Filter"}) is not None
    assert form.find("a", string="Clear Filters")["href"] == LISTING


def test_the_sidebar_shows_new_counts_and_what_each_reader_typed(client, fandom_works):
    # The rendered sidebar is kept per process by a digest of what it shows:
    # a new work's counts, and each reader's own filters, are never an old copy.
    page = soup(client.get(LISTING))
    assert label_of(page, f"include_work_search_rating_ids_{GENERAL}") == (
        "General Audiences (1)"
    )
    make_work("Quay Lights", rating=GENERAL)
    page = soup(client.get(LISTING))
    assert label_of(page, f"include_work_search_rating_ids_{GENERAL}") == (
        "General Audiences (2)"
    )
    page = soup(client.get(LISTING, {"work_search[words_from]": "250"}))
    assert page.select_one("#work_search_words_from")["value"] == "250"
    page = soup(client.get(LISTING, {"work_search[words_from]": "260"}))
    assert page.select_one("#work_search_words_from")["value"] == "260"


def test_include_and_exclude_filter_the_works_and_stay_ticked(client, fandom_works):
    response = client.get(LISTING, {
        "include_work_search[rating_ids][]": str(TEEN),
        "exclude_work_search[archive_warning_ids][]": str(MAJOR_CHARACTER_DEATH),
        "work_search[sort_column]": "kudos_count",
    })
    page = soup(response)
    assert blurb_titles(page) == ["Lamp Oil", "Breakwater"]  # most kudos first
    heading = page.select_one("h2.heading")
    assert text(heading) == f"1 - 2 of 2 Works in {FANDOM}"
    assert heading.select_one("a.tag")["href"] == "/tags/Harbour%20Lights%20%28TV%29"
    assert page.select_one(f"#include_work_search_rating_ids_{TEEN}").has_attr("checked")
    excluded = page.select_one(f"#exclude_work_search_archive_warning_ids_{MAJOR_CHARACTER_DEATH}")
    assert excluded.has_attr("checked")
    # Counts are for these results; the excluded warning is still offered, ticked, at 0.
    assert label_of(page, f"include_work_search_rating_ids_{TEEN}") == (
        "Teen And Up Audiences (2)"
    )
    assert label_of(page, f"exclude_work_search_archive_warning_ids_{MAJOR_CHARACTER_DEATH}") == (
        "Major Character Death (0)"
    )
    # Groups with a ticked tag start open.
    assert page.select_one("#include_rating_tags").has_attr("open")
    assert page.select_one("#exclude_archive_warning_tags").has_attr("open")
    assert not page.select_one("#include_fandom_tags").has_attr("open")
    sort = page.select_one('select[name="work_search[sort_column]"] option[selected]')
    assert sort["value"] == "kudos_count"


def test_a_ticked_tag_missing_from_the_results_is_still_shown_ticked(client, fandom_works):
    unused = tag("Lighthouse Ghosts")
    # Used on a work elsewhere (a tag used nowhere a guest can see is not named).
    WorkTag.objects.create(work=WorkFactory(fandom="Harbour Tales"), tag=unused)
    page = soup(client.get(LISTING, {
        "include_work_search[freeform_ids][]": str(unused.pk),
    }))
    assert blurb_titles(page) == []
    box = page.select_one(f"#include_work_search_freeform_ids_{unused.pk}")
    assert box.has_attr("checked")
    assert label_of(page, box["id"]) == "Lighthouse Ghosts (0)"
    assert text(page.select_one("p.empty")) == (
        "No works match these filters. You may want to clear some of them."
    )


def test_a_ticked_tag_only_a_draft_uses_is_not_named(client, fandom_works):
    secret = tag("Keeper's Unsent Letters")
    WorkTag.objects.create(work=WorkFactory(fandom="Harbour Tales", posted=False), tag=secret)
    public = Tag.objects.create(name="Tide Tables", type=TagType.FREEFORM, canonical=True)
    page = soup(client.get(LISTING, {
        "include_work_search[freeform_ids][]": [str(secret.pk), str(public.pk)],
    }))
    assert "Unsent Letters" not in page.decode()
    assert page.select_one(f"#include_work_search_freeform_ids_{secret.pk}") is None
    # A canonical tag is public: named, ticked, even when no work uses it.
    box = page.select_one(f"#include_work_search_freeform_ids_{public.pk}")
    assert box.has_attr("checked")
    assert label_of(page, box["id"]) == "Tide Tables (0)"


def test_more_options_filter_and_keep_what_was_typed(client, fandom_works):
    page = soup(client.get(LISTING, {
        "work_search[complete]": "T",
        "work_search[words_from]": "1,000",
        "work_search[other_tag_names]": "fluff",
    }))
    assert blurb_titles(page) == ["Lamp Oil"]
    assert page.select_one("#work_search_complete_T").has_attr("checked")
    assert page.select_one("#work_search_words_from")["value"] == "1,000"
    assert page.select_one("#work_search_other_tag_names")["value"] == "fluff"
    page = soup(client.get(LISTING, {"work_search[complete]": "F"}))
    assert blurb_titles(page) == ["Breakwater"]
    page = soup(client.get(LISTING, {"work_search[excluded_tag_names]": "Fluff, Angst"}))
    assert blurb_titles(page) == ["Breakwater"]


def test_bad_values_are_explained_and_nothing_typed_is_lost(client, fandom_works):
    response = client.get(LISTING, {
        "work_search[words_from]": "lots",
        "include_work_search[fandom_ids][]": "harbour",
        "work_search[complete]": "T",
    })
    page = soup(response)
    error = text(page.select_one("div.flash.error"))
    assert "Word count from: “lots” is not a whole number" in error
    assert "“harbour” is not a tag id" in error
    assert page.select_one("#work_search_words_from")["value"] == "lots"
    # The good filter still applies.
    assert sorted(blurb_titles(page)) == ["Fog Horn", "Lamp Oil", "Last Light"]


def test_unknown_tag_name_is_a_notice(client, fandom_works):
    page = soup(client.get(LISTING, {"work_search[other_tag_names]": "No Such Tag At All"}))
    assert blurb_titles(page) == []
    assert "No Such Tag At All" in text(page.select_one("div.flash.notice"))


def test_guests_counts_leave_out_restricted_works(user_client, fandom_works):
    make_work("Members Only", rating=TEEN, restricted=True)
    guest = soup(Client().get(LISTING))
    assert label_of(guest, f"include_work_search_rating_ids_{TEEN}") == (
        "Teen And Up Audiences (3)"
    )
    assert "Members Only" not in blurb_titles(guest)
    member = soup(user_client.get(LISTING))
    assert label_of(member, f"include_work_search_rating_ids_{TEEN}") == (
        "Teen And Up Audiences (4)"
    )
    assert "Members Only" in blurb_titles(member)


# Pagination -------------------------------------------------------------------------


def test_pagination_keeps_the_filters_and_clamps_far_pages(client, db):
    Tag.objects.filter(pk=tag(FANDOM, TagType.FANDOM).pk).update(canonical=True)
    for n in range(21):
        make_work(f"Teen {n:02d}", rating=TEEN)
    make_work("Explicit One", rating=EXPLICIT)
    params = {"include_work_search[rating_ids][]": str(TEEN), "work_search[complete]": "T"}
    page = soup(client.get(LISTING, params))
    assert text(page.select_one("h2.heading")) == f"1 - 20 of 21 Works in {FANDOM}"
    nav = page.select_one('ol[class="pagination actions"][role="navigation"][title="pagination"]')
    link = nav.find("a", string="2")
    href = link["href"]
    assert href.startswith("/tags/Harbour%20Lights%20(TV)/works?page=2&")
    assert dict(parse_qsl(urlsplit(href).query)) == {
        "page": "2", "include_work_search[rating_ids][]": str(TEEN), "work_search[complete]": "T",
    }
    second = soup(client.get(href))
    assert text(second.select_one("h2.heading")) == f"21 - 21 of 21 Works in {FANDOM}"
    assert len(blurb_titles(second)) == 1
    assert "Explicit One" not in blurb_titles(second)
    far = client.get(LISTING, {**params, "page": "99"})
    assert far.status_code == 200
    assert text(soup(far).select_one("h2.heading")) == f"21 - 21 of 21 Works in {FANDOM}"
    assert client.get(LISTING, {"page": "zebra"}).status_code == 200


def test_plain_listing_pagination_links_stay_plain(client, db):
    Tag.objects.filter(pk=tag(FANDOM, TagType.FANDOM).pk).update(canonical=True)
    for n in range(21):
        make_work(f"Quiet {n}")
    page = soup(client.get(LISTING))
    hrefs = {unquote(a["href"]) for a in page.select('ol[class="pagination actions"] a')}
    assert "/tags/Harbour Lights (TV)/works?page=2" in hrefs


# /works -----------------------------------------------------------------------------


def test_works_without_filters_shows_recent_works(client, fandom_works):
    page = soup(client.get("/works"))
    assert page.select_one("div#main")["class"] == ["works-index", "region"]
    assert text(page.select_one("h2.heading")) == "Recent Works"
    assert page.select_one("form#work-filters") is None
    assert len(blurb_titles(page)) == 4


def test_works_with_tag_id_is_the_tags_listing_with_filters(client, fandom_works):
    synonym = Tag.objects.create(name="Harbor Lights", type=TagType.FANDOM,
                                 merger=Tag.objects.get(name=FANDOM))
    WorkTag.objects.create(work=fandom_works["general"], tag=synonym)
    page = soup(client.get("/works", {
        "tag_id": synonym.name, "include_work_search[rating_ids][]": str(GENERAL),
    }))
    assert page.select_one("div#main")["class"] == [
        "works-index", "dashboard", "filtered", "region"
    ]
    assert text(page.select_one("h2.heading")) == f"1 - 1 of 1 Works in {FANDOM}"
    assert blurb_titles(page) == ["Fog Horn"]
    form = page.select_one("form#work-filters")
    assert form["action"] == "/works"
    assert form.select_one('input[type="hidden"][name="tag_id"]')["value"] == FANDOM
    assert client.get("/works", {"tag_id": "Nothing Called This"}).status_code == 404


def test_works_filtered_without_a_tag(client, fandom_works):
    make_work("Elsewhere", fandom="Other Shore", rating=TEEN)
    page = soup(client.get("/works", {"include_work_search[rating_ids][]": str(TEEN)}))
    assert text(page.select_one("h2.heading")) == "1 - 4 of 4 Works"
    assert "Elsewhere" in blurb_titles(page)


def test_works_by_user_id(client, fandom_works):
    author = UserFactory(username="maren")
    make_work("Maren's Lamp", creator=author, rating=TEEN)
    make_work("Maren's Fog", creator=author)
    page = soup(client.get("/works", {
        "user_id": "maren", "include_work_search[rating_ids][]": str(TEEN),
    }))
    assert text(page.select_one("h2.heading")) == "1 - 1 of 1 Works by maren"
    assert blurb_titles(page) == ["Maren's Lamp"]
    assert client.get("/works", {"user_id": "nobody_at_all"}).status_code == 404


def test_user_works_page_has_the_sidebar(client, fandom_works):
    author = UserFactory(username="maren")
    make_work("Maren's Lamp", creator=author, rating=TEEN)
    make_work("Maren's Fog", creator=author)
    page = soup(client.get("/users/maren/works", {"include_work_search[rating_ids][]": str(TEEN)}))
    assert page.select_one("h2.heading").get_text() == "1 - 1 of 1 Works by maren"
    assert page.select_one("form#work-filters")["action"] == "/users/maren/works"
    assert label_of(page, f"include_work_search_rating_ids_{TEEN}") == (
        "Teen And Up Audiences (1)"
    )


def test_language_listing(client, fandom_works):
    make_work("La Lanterne", language="fr")
    page = soup(client.get("/languages/fr/works"))
    assert text(page.select_one("h2.heading")) == "1 - 1 of 1 Works in Français"
    assert blurb_titles(page) == ["La Lanterne"]
    assert page.select_one('select[name="work_search[language_id]"]') is None
    assert client.get("/languages/klingon/works").status_code == 404


def test_works_search_is_not_taken_for_a_work(client, db):
    assert client.get("/works/search").status_code == 200


# /works/search ----------------------------------------------------------------------


def test_search_form_has_ao3s_fields(client, db):
    page = soup(client.get("/works/search"))
    assert page.select_one("div#main")["class"] == ["works-search", "region"]
    assert text(page.select_one("h2.heading")) == "Work Search"
    form = page.select_one("form.verbose.search")
    assert form["action"] == "/works/search" and form["method"] == "get"
    for name in ("query", "title", "creators", "revised_at", "complete", "crossover",
                 "single_chapter", "word_count", "language_id", "fandom_names", "rating_ids",
                 "character_names", "relationship_names", "freeform_names", "hits",
                 "kudos_count", "comments_count", "bookmarks_count", "sort_column",
                 "sort_direction"):
        assert form.find(attrs={"name": f"work_search[{name}]"}) is not None, name
    warnings = [i["value"] for i in form.select('input[name="work_search[archive_warning_ids][]"]')]
    assert str(MAJOR_CHARACTER_DEATH) in warnings
    categories = form.select('input[name="work_search[category_ids][]"]')
    assert {i["value"] for i in categories} == {"21", "22", "23", "24", "116", "2246"}
    ratings = form.select('select[name="work_search[rating_ids]"] option')
    assert [o.get_text() for o in ratings][1:] == [
        "General Audiences", "Teen And Up Audiences", "Mature", "Explicit", "Not Rated",
    ]
    sort = [o["value"] for o in form.select('select[name="work_search[sort_column]"] option')]
    assert sort[0] == "_score"
    assert form.find("input", attrs={"type": "submit", "name": "commit", "value": "Search"})


def test_search_results_heading_and_blurbs(client, fandom_works):
    response = client.get("/works/search", {
        "work_search[rating_ids]": str(TEEN), "work_search[kudos_count]": ">20",
        "commit": "Search",
    })
    page = soup(response)
    assert page.select_one("div#main")["class"] == ["works-search", "region"]
    found = page.select_one("div#main h3.heading")
    # AO3's heading exactly: tools cut the fixed tail off to read the number.
    assert found.get_text().strip() == "2 Found  ?"
    help_link = found.find("a")
    assert help_link["href"] == "/help/work-search-results-help.html"
    assert help_link["class"] == ["help", "symbol", "question", "modal"]
    assert client.get(help_link["href"]).status_code == 200
    assert sorted(blurb_titles(page)) == ["Lamp Oil", "Last Light"]
    summary = text(page.select_one("h4.heading"))
    assert summary.startswith("You searched for:")
    assert "Teen And Up Audiences" in summary and "kudos count: >20" in summary
    edit = page.find("a", string="Edit Your Search")["href"]
    form = soup(client.get(edit)).select_one("form.verbose.search")
    assert form.select_one("#work_search_kudos_count")["value"] == ">20"
    assert form.select_one(f'#work_search_rating_ids option[value="{TEEN}"]').has_attr("selected")


def test_search_with_no_results(client, fandom_works):
    page = soup(client.get("/works/search", {"work_search[title]": "zzzz nothing like it"}))
    assert page.find("p", string="No results found. You may want to edit your search to make "
                                 "it less specific.") is not None
    # No empty list: AO3's tools take a list to mean there are results.
    assert page.select_one("ol.work.index.group") is None


def test_search_syntax_phrase_and_range(client, fandom_works):
    slow = make_work("Slow Tide", kudos_count=30,
                     summary="<p>A slow burn between two keepers.</p>")
    make_work("Slow Start", kudos_count=3, summary="<p>A slow burn, barely begun.</p>")
    make_work("Burnt Toast", kudos_count=50, summary="<p>Slow mornings; the toast burns.</p>")
    page = soup(client.get("/works/search", {"work_search[query]": '"slow burn" kudos:>10'}))
    assert blurb_titles(page) == ["Slow Tide"]
    assert text(page.select_one("h3.heading")) == "1 Found ?"
    assert page.select_one(f"li#work_{slow.pk}") is not None


def test_search_pagination_keeps_the_search(client, db):
    for n in range(22):
        make_work(f"Beacon {n:02d}", summary="<p>The beacon turns.</p>")
    page = soup(client.get("/works/search", {"work_search[query]": "beacon"}))
    assert text(page.select_one("h3.heading")) == "22 Found ?"
    link = page.select_one('ol[class="pagination actions"]').find("a", string="2")
    assert dict(parse_qsl(urlsplit(link["href"]).query)) == {
        "page": "2", "work_search[query]": "beacon",
    }
    assert len(blurb_titles(soup(client.get(link["href"])))) == 2


def test_search_bad_input_is_explained_with_the_form_filled_in(client, fandom_works):
    page = soup(client.get("/works/search", {
        "work_search[hits]": "loads", "work_search[title]": "Lamp",
    }))
    assert "Hits: “loads” is not a number or range" in text(page.select_one("div.flash.error"))
    form = page.select_one("form.verbose.search")
    assert form.select_one("#work_search_hits")["value"] == "loads"
    assert form.select_one("#work_search_title")["value"] == "Lamp"
    assert blurb_titles(page) == ["Lamp Oil"]


def test_search_never_shows_drafts_or_restricted_works_to_guests(client, fandom_works):
    make_work("Hidden Lamp", restricted=True, summary="<p>lamplight</p>")
    make_work("Draft Lamp", posted=False, summary="<p>lamplight</p>")
    page = soup(client.get("/works/search", {"work_search[query]": "lamplight"}))
    assert blurb_titles(page) == []
    signed_in = Client()
    signed_in.force_login(UserFactory(), backend="django.contrib.auth.backends.ModelBackend")
    page = soup(signed_in.get("/works/search", {"work_search[query]": "lamplight"}))
    assert blurb_titles(page) == ["Hidden Lamp"]


def test_search_help_page(client, db):
    page = soup(client.get("/help/search-results.html"))
    assert "slow burn" in page.get_text()


def test_every_blurbs_symbols_link_leads_to_the_symbols_key(client, fandom_works):
    page = soup(client.get(LISTING))
    links = {a["href"] for a in page.select("ul.required-tags a")}
    assert links == {"/help/symbols-key.html"}
    key = soup(client.get("/help/symbols-key.html"))
    # Each square a blurb on this page shows is explained there.
    shown = {tuple(span["class"]) for span in page.select("ul.required-tags a > span")}
    explained = {tuple(span["class"]) for span in key.select("div#main span[title]")}
    assert shown and shown <= explained


def test_blurbs_use_the_shared_markup(client, fandom_works):
    work = Work.objects.get(title="Lamp Oil")
    page = soup(client.get(LISTING))
    blurb = page.select_one(f"li#work_{work.pk}")
    assert blurb["class"] == ["work", "blurb", "group"] and blurb["role"] == "article"
    title = blurb.select_one('div[class="header module"] h4.heading a')
    assert title["href"] == f"/works/{work.pk}"
    assert blurb.select_one("dl.stats dd.kudos").get_text() == "40"


def test_signed_in_reader_may_save_the_filters_with_their_place(user_client, fandom_works):
    page = soup(user_client.get(LISTING, {
        "include_work_search[rating_ids][]": str(TEEN), "work_search[complete]": "T",
        "page": "1",
    }))
    saved = page.select_one("form#save-filter input[name='query']")["value"]
    assert parse_qsl(saved) == [
        ("tag_id", FANDOM), ("include_work_search[rating_ids][]", str(TEEN)),
        ("work_search[complete]", "T"),
    ]
    page = soup(user_client.get("/users/rowan_test/works", {"work_search[complete]": "T"}))
    saved = page.select_one("form#save-filter input[name='query']")["value"]
    assert parse_qsl(saved) == [("user_id", "rowan_test"), ("work_search[complete]", "T")]
    assert soup(Client().get(LISTING)).select_one("form#save-filter") is None


@pytest.mark.parametrize("path", [LISTING, "/works", "/works/search"])
def test_an_id_past_the_largest_tag_id_lists_nothing_and_says_why(client, fandom_works, path):
    page = soup(client.get(path, {"include_work_search[rating_ids][]": "2147483648",
                                  "work_search[query]": "Lamp" if "search" in path else ""}))
    assert blurb_titles(page) == []
    assert "No tag has the id “2147483648”, so no work can include it." in text(
        page.select_one("div.flash.error")
    )
    page = soup(client.get(LISTING, {"exclude_work_search[fandom_ids][]": "9" * 30}))
    assert len(blurb_titles(page)) == 4
