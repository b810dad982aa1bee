"""Bookmark pages over HTTP: the work page's form and button, creating,
editing and deleting, listings' markup, external works, search."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.models import Pseud
from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Bookmark, ExternalWork
from chapterhouse.responses.services.bookmarks import bookmark_create
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.works.models import Work, WorkTag
from chapterhouse.works.tests.factories import WorkFactory, add_to_series

pytestmark = pytest.mark.django_db


def soup_of(response):
    return BeautifulSoup(response.content, "html.parser")


def fields(user, **changes):
    data = {
        "bookmark[pseud_id]": str(user.pseuds.get(is_default=True).pk),
        "bookmark[bookmarker_notes]": "<p>Read it twice.</p>",
        "bookmark[tag_string]": "comfort read, seaside",
        "bookmark[private]": "0",
        "bookmark[rec]": "0",
    }
    data.update(changes)
    return data


def make(user, **kwargs):
    return bookmark_create(user=user, pseud=user.pseuds.get(is_default=True), **kwargs)


# The work page -----------------------------------------------------------


def test_reader_sees_bookmark_button_and_form_on_work_page(work, reader_client):
    soup = soup_of(reader_client.get(f"/works/{work.pk}"))
    button = soup.select_one("ul.work.navigation.actions > li.bookmark > a")
    assert button.get_text() == "Bookmark" and button["href"] == "#bookmark-form"
    form = soup.select_one("div#bookmark-form form")
    assert form["action"] == f"/works/{work.pk}/bookmarks"
    assert form.select_one("textarea#bookmark_notes")["name"] == "bookmark[bookmarker_notes]"
    assert form.select_one("input#bookmark_tag_string")["name"] == "bookmark[tag_string]"
    assert form.select_one("input#bookmark_private")["type"] == "checkbox"
    assert form.select_one("input#bookmark_rec")["type"] == "checkbox"
    assert form.select_one("input[type=submit]")["value"] == "Create"
    assert soup.select_one("label[for=bookmark_notes]")


def test_reader_with_two_pseuds_chooses_one(work, reader, reader_client):
    Pseud.objects.create(user=reader, name="Ashby Elsewhere")
    soup = soup_of(reader_client.get(f"/works/{work.pk}"))
    options = [o.get_text() for o in soup.select("select#bookmark_pseud_id option")]
    assert options == ["ashby_reader", "Ashby Elsewhere"]


def test_guest_sees_no_bookmark_form_or_button(work):
    soup = soup_of(Client().get(f"/works/{work.pk}"))
    assert soup.select_one("#bookmark-form") is None
    assert soup.select_one("li.bookmark") is None


def test_creator_sees_no_bookmark_form_on_her_draft(creator, creator_client):
    draft = WorkFactory(creator=creator, posted=False)
    soup = soup_of(creator_client.get(f"/works/{draft.pk}"))
    assert soup.select_one("#bookmark-form") is None


def test_bookmarked_work_offers_edit_bookmark(work, reader, reader_client):
    bookmark = make(reader, work=work, notes="mine", tag_string="kept")
    soup = soup_of(reader_client.get(f"/works/{work.pk}"))
    button = soup.select_one("li.bookmark > a")
    assert button.get_text() == "Edit Bookmark"
    assert button["href"] == f"/bookmarks/{bookmark.pk}/edit"
    form = soup.select_one("div#bookmark-form form")
    assert form["action"] == f"/bookmarks/{bookmark.pk}"
    assert form.select_one("input[name=_method]")["value"] == "put"
    assert form.select_one("input#bookmark_tag_string")["value"] == "kept"
    assert form.select_one("input[type=submit]")["value"] == "Update"


def test_work_page_bookmark_count_links_to_its_bookmarks(work, reader, reader_client):
    make(reader, work=work)
    soup = soup_of(reader_client.get(f"/works/{work.pk}"))
    link = soup.select_one("dd.bookmarks a")
    assert link["href"] == f"/works/{work.pk}/bookmarks" and link.get_text() == "1"


# Creating -----------------------------------------------------------


def test_reader_bookmarks_a_work_with_ao3_fields(work, reader, reader_client):
    data = fields(reader)
    data["bookmark[rec]"] = ["0", "1"]  # AO3's hidden 0, then the ticked box
    response = reader_client.post(f"/works/{work.pk}/bookmarks", data)
    bookmark = Bookmark.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/bookmarks/{bookmark.pk}"
    assert bookmark.rec and not bookmark.private
    assert [t.name for t in bookmark.tags.all()] == ["comfort read", "seaside"]
    page = reader_client.get(response["Location"])
    assert "Bookmark was successfully created." in page.content.decode()
    assert Work.objects.get(pk=work.pk).bookmark_count == 1


def test_second_bookmark_says_already_bookmarked_with_edit_link(work, reader, reader_client):
    bookmark = make(reader, work=work)
    response = reader_client.post(f"/works/{work.pk}/bookmarks", fields(reader))
    assert response.status_code == 422
    error = soup_of(response).select_one("#error")
    assert "You have already bookmarked that." in error.get_text()
    assert error.select_one("a")["href"] == f"/bookmarks/{bookmark.pk}/edit"
    assert Bookmark.objects.count() == 1


def test_too_long_notes_keep_what_was_typed(work, reader, reader_client):
    response = reader_client.post(
        f"/works/{work.pk}/bookmarks",
        fields(reader, **{"bookmark[bookmarker_notes]": "x" * 5001,
                          "bookmark[tag_string]": "kept tag"}),
    )
    soup = soup_of(response)
    assert response.status_code == 422
    assert "5,000" in soup.select_one("dd.notes p.error").get_text()
    assert soup.select_one("input#bookmark_tag_string")["value"] == "kept tag"
    assert not Bookmark.objects.exists()


def test_guest_posting_a_bookmark_is_asked_to_log_in(work):
    response = Client().post(f"/works/{work.pk}/bookmarks", {"bookmark[tag_string]": "x"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Bookmark.objects.exists()


def test_bookmarking_a_draft_is_not_found(creator, reader, reader_client):
    draft = WorkFactory(creator=creator, posted=False)
    response = reader_client.post(f"/works/{draft.pk}/bookmarks", fields(reader))
    assert response.status_code == 404
    assert not Bookmark.objects.exists()


def test_new_bookmark_page_for_work(work, reader_client):
    soup = soup_of(reader_client.get(f"/works/{work.pk}/bookmarks/new"))
    assert soup.select_one("form#new_bookmark")["action"] == f"/works/{work.pk}/bookmarks"


def test_reader_bookmarks_a_series(creator, reader, reader_client):
    series = add_to_series(WorkFactory(creator=creator))
    response = reader_client.post(f"/series/{series.pk}/bookmarks", fields(reader))
    assert response.status_code == 302
    bookmark = Bookmark.objects.get()
    assert bookmark.series == series
    soup = soup_of(reader_client.get(f"/bookmarks/{bookmark.pk}"))
    assert soup.select_one(f"li#bookmark_{bookmark.pk} h4.heading a")["href"] == (
        f"/series/{series.pk}"
    )


# Editing and deleting -----------------------------------------------------------


def test_owner_updates_bookmark_with_method_put(work, reader, reader_client):
    bookmark = make(reader, work=work, notes="old")
    data = fields(reader, **{"_method": "put", "bookmark[bookmarker_notes]": "new",
                             "bookmark[private]": ["0", "1"]})
    response = reader_client.post(f"/bookmarks/{bookmark.pk}", data)
    assert response.status_code == 302
    bookmark.refresh_from_db()
    assert bookmark.notes == "new" and bookmark.private
    assert Work.objects.get(pk=work.pk).bookmark_count == 0


def test_edit_page_shows_the_bookmark(work, reader, reader_client):
    bookmark = make(reader, work=work, tag_string="one, two", rec=True)
    soup = soup_of(reader_client.get(f"/bookmarks/{bookmark.pk}/edit"))
    assert soup.select_one("input#bookmark_tag_string")["value"] == "one, two"
    assert soup.select_one("input#bookmark_rec").has_attr("checked")
    assert soup.select_one("#bookmark-form input[type=submit]")["value"] == "Update"


def test_someone_else_cannot_edit_or_delete_a_bookmark(work, reader, creator_client):
    bookmark = make(reader, work=work, notes="mine")
    assert creator_client.get(f"/bookmarks/{bookmark.pk}/edit").status_code == 404
    response = creator_client.post(f"/bookmarks/{bookmark.pk}", {"_method": "delete"})
    assert response.status_code == 404
    response = creator_client.post(f"/bookmarks/{bookmark.pk}/edit", fields(reader))
    assert response.status_code == 404
    assert Bookmark.objects.get(pk=bookmark.pk).notes == "mine"


def test_owner_deletes_bookmark_with_method_delete(work, reader, reader_client):
    bookmark = make(reader, work=work)
    response = reader_client.post(f"/bookmarks/{bookmark.pk}", {"_method": "delete"})
    assert response.status_code == 302
    assert response["Location"] == "/users/ashby_reader/bookmarks"
    assert not Bookmark.objects.exists()
    assert Work.objects.get(pk=work.pk).bookmark_count == 0


def test_delete_confirmation_page(work, reader, reader_client):
    bookmark = make(reader, work=work)
    soup = soup_of(reader_client.get(f"/bookmarks/{bookmark.pk}/delete"))
    assert "The Salt Road" in soup.select_one("p.caution").get_text()
    reader_client.post(f"/bookmarks/{bookmark.pk}/delete")
    assert not Bookmark.objects.exists()


# Listings -----------------------------------------------------------


def test_listing_markup_of_a_work_bookmark(work, reader):
    bookmark = make(reader, work=work, notes="<p>Read it <em>twice</em>.</p>",
                    tag_string="comfort read", rec=True)
    soup = soup_of(Client().get("/users/ashby_reader/bookmarks"))
    assert soup.select_one("h2.heading").get_text() == "1 - 1 of 1 Bookmarks by ashby_reader"
    item = soup.select_one("ol.bookmark.index.group > li")
    assert item["id"] == f"bookmark_{bookmark.pk}"
    assert item["class"] == ["bookmark", "blurb", "group"] and item["role"] == "article"
    assert item.select_one("div.header.module h4.heading a")["href"] == f"/works/{work.pk}"
    assert item.select_one("h5.fandoms.heading a.tag").get_text() == "Lighthouse Keepers"
    user = item.select_one("div.user.module.group")
    byline = user.select_one("h5.byline.heading a")
    assert byline.get_text() == "ashby_reader"
    assert byline["href"] == "/users/ashby_reader/pseuds/ashby_reader/bookmarks"
    tag = user.select_one("ul.meta.tags.commas li a.tag")
    assert tag.get_text() == "comfort read" and tag["href"] == "/tags/comfort%20read/bookmarks"
    assert user.select_one("blockquote.userstuff.notes em").get_text() == "twice"
    assert user.select_one("p.datetime")
    # As on AO3: the blurb opens with the bookmark's status and the work's count.
    status = item.find("p")
    assert status["class"] == ["status"] and status["title"] == "1 Bookmark"
    assert status.select_one("span.rec")["title"] == "Rec"
    assert status.select_one("span.count").get_text() == "1"
    assert not item.select("li[role=article]")  # no blurb nested in the blurb


def test_owner_sees_edit_and_delete_in_her_listing(work, reader, reader_client):
    bookmark = make(reader, work=work)
    soup = soup_of(reader_client.get("/users/ashby_reader/bookmarks"))
    actions = soup.select_one(f"li#bookmark_{bookmark.pk} ul.actions")
    assert actions.select_one("a")["href"] == f"/bookmarks/{bookmark.pk}/edit"
    assert actions.select_one("input[name=_method]")["value"] == "delete"
    other = soup_of(Client().get("/users/ashby_reader/bookmarks"))
    assert other.select_one("input[name=_method]") is None


def test_private_bookmark_is_marked_for_its_owner(work, reader, reader_client):
    make(reader, work=work, private=True)
    soup = soup_of(reader_client.get("/users/ashby_reader/bookmarks"))
    assert soup.select_one("span.private").get_text() == "Private Bookmark"


def test_pseud_bookmarks_heading_and_filter(work, reader):
    other = Pseud.objects.create(user=reader, name="Ashby Elsewhere")
    make(reader, work=work)
    bookmark_create(user=reader, pseud=other, work=WorkFactory())
    soup = soup_of(Client().get("/users/ashby_reader/pseuds/Ashby Elsewhere/bookmarks"))
    assert soup.select_one("h2.heading").get_text() == (
        "1 - 1 of 1 Bookmarks by Ashby Elsewhere (ashby_reader)"
    )
    assert Client().get("/users/ashby_reader/pseuds/nobody/bookmarks").status_code == 404
    assert Client().get("/users/nobody_here/bookmarks").status_code == 404


def test_user_bookmarks_paginate_by_twenty(reader, django_assert_max_num_queries):
    for _ in range(21):
        make(reader, work=WorkFactory())
    client = Client()
    with django_assert_max_num_queries(25):
        response = client.get("/users/ashby_reader/bookmarks")
    soup = soup_of(response)
    assert soup.select_one("h2.heading").get_text() == "1 - 20 of 21 Bookmarks by ashby_reader"
    assert len(soup.select("ol.bookmark.index.group > li")) == 20
    assert soup.select_one("ol.pagination a[href$='page=2']")
    second = soup_of(client.get("/users/ashby_reader/bookmarks?page=2"))
    assert len(second.select("ol.bookmark.index.group > li")) == 1


def test_work_bookmarks_page_shows_the_work_once(work, reader):
    make(reader, work=work, notes="first")
    make(UserFactory(), work=work, notes="second")
    soup = soup_of(Client().get(f"/works/{work.pk}/bookmarks"))
    assert len(soup.select(f"li#work_{work.pk}")) == 1
    assert len(soup.select("ol.bookmark.index.group > li.bookmark")) == 2


def test_tag_bookmarks_include_synonyms_and_bookmarker_tags(reader):
    canonical = Tag.objects.create(name="Found Family", type=TagType.FREEFORM, canonical=True)
    synonym = Tag.objects.create(name="found fam", type=TagType.FREEFORM, merger=canonical)
    tagged = WorkFactory(title="Tagged Work")
    WorkTag.objects.create(work=tagged, tag=synonym, position=5)
    by_work = make(reader, work=tagged)
    by_bookmarker = make(reader, work=WorkFactory(title="Plain Work"), tag_string="Found Family")
    unrelated = make(reader, work=WorkFactory(title="Other Work"))
    soup = soup_of(Client().get("/tags/Found Family/bookmarks"))
    ids = {li["id"] for li in soup.select("ol.bookmark.index.group > li")}
    assert ids == {f"bookmark_{by_work.pk}", f"bookmark_{by_bookmarker.pk}"}
    assert f"bookmark_{unrelated.pk}" not in ids
    assert Client().get("/tags/No Such Tag/bookmarks").status_code == 404


# External works -----------------------------------------------------------


EXTERNAL = {
    "bookmark[external][url]": "https://example.org/stories/42",
    "bookmark[external][author]": "marisol",
    "bookmark[external][title]": "Letters from the Shore",
    "bookmark[external][summary]": "<p>Letters.</p>",
    "bookmark[external][fandom_string]": "Lighthouse Keepers",
    "bookmark[external][rating_string]": "10",
    "bookmark[external][relationship_string]": "Wren/Ashby",
    "bookmark[external][character_string]": "Wren",
}


@pytest.mark.parametrize("path", ["/external_works/new", "/bookmarks/new?external=1"])
def test_external_work_form(reader_client, path):
    soup = soup_of(reader_client.get(path))
    form = soup.select_one("form#new_bookmark")
    assert form["action"] == "/bookmarks"
    assert form.select_one("#bookmark_external_url")["name"] == "bookmark[external][url]"
    assert form.select_one("label[for=bookmark_external_title]")
    assert form.select_one("textarea#bookmark_notes")


def test_guest_is_asked_to_log_in_for_external_form():
    response = Client().get("/external_works/new")
    assert response.status_code == 302 and "login" in response["Location"]


def test_reader_bookmarks_an_external_work(reader, reader_client):
    response = reader_client.post("/bookmarks", {**fields(reader), **EXTERNAL})
    assert response.status_code == 302
    bookmark = Bookmark.objects.get()
    assert bookmark.external_work.title == "Letters from the Shore"
    soup = soup_of(Client().get("/users/ashby_reader/bookmarks"))
    item = soup.select_one(f"li#bookmark_{bookmark.pk}")
    link = item.select_one("h4.heading a")
    assert link["href"] == "https://example.org/stories/42"
    assert "marisol" in item.select_one("h4.heading").get_text()
    assert item.select_one("h5.fandoms a.tag").get_text() == "Lighthouse Keepers"
    assert item.select_one("ul.tags li.relationships").get_text() == "Wren/Ashby"
    assert item.select_one("span.rating-general-audience")


def test_external_work_form_errors_keep_what_was_typed(reader, reader_client):
    data = {**fields(reader), **EXTERNAL, "bookmark[external][url]": "ftp://nope"}
    response = reader_client.post("/bookmarks", data)
    soup = soup_of(response)
    assert response.status_code == 422
    assert soup.select_one("#bookmark_external_title")["value"] == "Letters from the Shore"
    assert "http" in soup.select_one("div.has-errors p.error").get_text()
    assert not ExternalWork.objects.exists()


# Search -----------------------------------------------------------


@pytest.fixture
def searchable(reader):
    other = UserFactory(username="pell_bookmarker")
    rec = make(reader, work=WorkFactory(title="Harbour Lights", fandom="Tide Tales"),
               tag_string="slow burn", rec=True, notes="the storm chapter")
    plain = make(other, work=WorkFactory(title="Quiet Inlet"), tag_string="fluff")
    return rec, plain


def found_ids(response):
    return {li["id"] for li in soup_of(response).select("ol.bookmark.index.group > li")}


@pytest.mark.parametrize("query, expected", [
    ("bookmark_search[other_bookmark_tag_names]=slow burn", "rec"),
    ("bookmark_search[other_tag_names]=Tide Tales", "rec"),
    ("bookmark_search[rec]=1", "rec"),
    ("bookmark_search[with_notes]=1", "rec"),
    ("bookmark_search[bookmark_query]=storm", "rec"),
    ("bookmark_search[bookmark_query]=inlet", "plain"),
    ("bookmark_search[bookmarker]=pell_bookmarker", "plain"),
])
def test_bookmark_search_filters(searchable, query, expected):
    rec, plain = searchable
    chosen = rec if expected == "rec" else plain
    response = Client().get("/bookmarks/search?" + query)
    assert found_ids(response) == {f"bookmark_{chosen.pk}"}
    assert soup_of(response).select_one("div#main h3.heading").get_text().startswith("1 Found")


def test_bookmark_search_without_results_says_so(searchable):
    response = Client().get("/bookmarks/search?bookmark_search[bookmark_query]=zeppelin")
    assert "No results found." in soup_of(response).select_one("h3.heading").get_text()


def test_bookmark_search_form_alone_searches_nothing(searchable):
    soup = soup_of(Client().get("/bookmarks/search"))
    assert soup.select_one("form#new_bookmark_search label[for=bookmark_search_rec]")
    assert soup.select_one("ol.bookmark.index.group") is None


def test_bookmark_search_keeps_its_filters_across_pages(reader):
    for _ in range(21):
        make(UserFactory(), work=WorkFactory(), tag_string="many")
    soup = soup_of(Client().get(
        "/bookmarks/search?bookmark_search[other_bookmark_tag_names]=many"
    ))
    link = soup.select_one("ol.pagination a[href*='page=2']")["href"]
    assert "other_bookmark_tag_names" in link


def test_series_page_has_the_bookmark_form_for_readers(client, reader, reader_client, work):
    series = add_to_series(work)
    assert soup_of(client.get(f"/series/{series.pk}")).select_one("div#bookmark-form") is None
    page = soup_of(reader_client.get(f"/series/{series.pk}"))
    form = page.select_one("div#bookmark-form form")
    assert form["action"] == f"/series/{series.pk}/bookmarks"
    pseud = form.select_one("[name='bookmark[pseud_id]']")
    assert pseud["value"] == str(reader.pseuds.get(is_default=True).pk)
    fields = {i["name"]: i.get("value", "") for i in form.select("input[type=hidden]")}
    fields.update({"bookmark[bookmarker_notes]": "All of it.", "bookmark[pseud_id]":
                   pseud["value"]})
    response = reader_client.post(form["action"], fields)
    assert response.status_code == 302
    bookmark = Bookmark.objects.get(user=reader, series=series)
    assert "All of it." in bookmark.notes
    page = soup_of(reader_client.get(f"/series/{series.pk}"))
    assert page.select_one("div#bookmark-form form")["action"] == f"/bookmarks/{bookmark.pk}"
