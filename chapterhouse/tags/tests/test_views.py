"""The public tag pages over HTTP: status, redirects and AO3's markup."""

from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.models import Tag, TagParent, TagType, WorkFilterTag
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db


def make(name, tag_type=TagType.CHARACTER, *, canonical=True, merger=None, parents=(), **extra):
    tag = Tag.objects.create(name=name, type=tag_type, canonical=canonical, merger=merger, **extra)
    for parent in parents:
        TagParent.objects.create(child=tag, parent=parent)
    return tag


def filed(work, *tags):
    for tag in tags:
        WorkFilterTag.objects.create(work=work, tag=tag)
    return work


def used(tag, **work_fields):
    """A posted work tagged with ``tag`` directly (a tag nobody may see used is not shown)."""
    work = WorkFactory(**work_fields)
    WorkTag.objects.create(work=work, tag=tag)
    return tag


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


# /tags/NAME ---------------------------------------------------------------------


def test_tag_page_for_an_escaped_name(client):
    make("Mulder/Scully", TagType.RELATIONSHIP, description="<p>The <b>X-Files</b> pair</p>")
    response = client.get("/tags/Mulder*s*Scully")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("div#main")["class"] == ["tags-show", "region"]
    assert page.select_one("h2.heading").text == "Mulder/Scully"
    assert "canonical" in page.select_one("div.primary.header.module").text
    assert page.select_one("blockquote.userstuff b").text == "X-Files"
    assert page.find("a", href="/tags/Mulder*s*Scully/works") is not None


def test_synonym_page_names_and_links_its_canonical(client):
    kylo = make("Kylo Ren")
    used(make("Ben Solo", canonical=False, merger=kylo))
    page = soup(client.get("/tags/Ben Solo"))
    merger = page.select_one("div.merger.module")
    assert merger.find("a", class_="tag", href="/tags/Kylo%20Ren").text == "Kylo Ren"
    assert page.find("a", href="/tags/Kylo%20Ren/works") is not None
    canonical_page = soup(client.get("/tags/Kylo%20Ren"))
    synonyms = canonical_page.select(
        "div.synonym.listbox.group ul.tags.commas.index.group li a.tag"
    )
    assert [a.text for a in synonyms] == ["Ben Solo"]


def test_unwrangled_tag_page_says_so(client):
    used(make("space husbands", TagType.FREEFORM, canonical=False))
    page = soup(client.get("/tags/space husbands"))
    assert "hasn't been wrangled yet" in page.select_one("p.note").text


def test_tag_page_shows_parent_fandoms(client):
    sw = make("Star Wars", TagType.FANDOM)
    make("Rey", parents=[sw])
    page = soup(client.get("/tags/Rey"))
    parents = page.select("div.parent.listbox.group a.tag")
    assert [(a.text, a["href"]) for a in parents] == [("Star Wars", "/tags/Star%20Wars")]


def test_unknown_tag_is_a_framed_404(client):
    response = client.get("/tags/Nothing*s*Here")
    assert response.status_code == 404
    assert "error-404" in soup(response).select_one("div#main")["class"]
    assert client.get("/tags/Nothing/works").status_code == 404


# /tags/NAME/works ------------------------------------------------------------------


def test_synonym_listing_redirects_relative_to_its_canonical(client):
    rel = make("Mulder/Scully", TagType.RELATIONSHIP)
    used(make("Scully/Mulder", TagType.RELATIONSHIP, canonical=False, merger=rel))
    response = client.get("/tags/Scully*s*Mulder/works?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/tags/Mulder*s*Scully/works?page=2"


def test_listing_heading_blurbs_and_privacy(user_client):
    client = Client()
    tag = make("Mulder/Scully", TagType.RELATIONSHIP)
    author = UserFactory()
    public = filed(WorkFactory(creator=author, title="Pilot"), tag)
    locked = filed(WorkFactory(creator=author, title="Locked", restricted=True), tag)
    filed(WorkFactory(creator=author, title="Draft", posted=False), tag)
    filed(WorkFactory(creator=author, title="Hidden", hidden_by_admin=True), tag)

    page = soup(client.get("/tags/Mulder*s*Scully/works"))
    assert page.select_one("div#main")["class"] == ["works-index", "region"]
    heading = page.select_one("h2.heading")
    assert " ".join(heading.text.split()) == "1 - 1 of 1 Works in Mulder/Scully"
    link = heading.find("a", class_="tag")
    assert link["href"] == "/tags/Mulder*s*Scully"
    blurbs = page.select('ol[class="work index group"] > li[class="work blurb group"]')
    assert [li["id"] for li in blurbs] == [f"work_{public.pk}"]

    page = soup(user_client.get("/tags/Mulder*s*Scully/works"))
    assert " ".join(page.select_one("h2.heading").text.split()).startswith("1 - 2 of 2 Works")
    ids = {li["id"] for li in page.select("li.work.blurb.group")}
    assert ids == {f"work_{public.pk}", f"work_{locked.pk}"}


def test_listing_paginates_twenty_a_page(client):
    tag = make("Kylo Ren")
    for _ in range(21):
        filed(WorkFactory(), tag)
    page = soup(client.get("/tags/Kylo%20Ren/works"))
    assert len(page.select("li.work.blurb.group")) == 20
    assert page.select_one("h2.heading").text.startswith("1 - 20 of 21 Works in")
    pagination = page.select_one('ol[class="pagination actions"]')
    hrefs = {unquote(a["href"]) for a in pagination.find_all("a")}
    assert "/tags/Kylo Ren/works?page=2" in hrefs
    second = soup(client.get("/tags/Kylo%20Ren/works?page=2"))
    assert len(second.select("li.work.blurb.group")) == 1
    assert second.select_one("h2.heading").text.startswith("21 - 21 of 21 Works in")


def listed(client, path="/tags/Poe%20Dameron/works") -> list[int]:
    page = soup(client.get(path))
    return [int(li["id"].removeprefix("work_")) for li in page.select("li.work.blurb.group")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_listing_shows_each_viewer_only_what_she_may_see():
    tag = make("Poe Dameron")
    author = UserFactory()
    public = filed(WorkFactory(creator=author), tag)
    restricted = filed(WorkFactory(creator=author, restricted=True), tag)
    filed(WorkFactory(creator=author, posted=False), tag)
    hidden = filed(WorkFactory(creator=author, hidden_by_admin=True), tag)
    WorkFactory(creator=author)  # not under the tag

    assert set(listed(Client())) == {public.pk}
    reader = signed_in(UserFactory())
    assert set(listed(reader)) == {public.pk, restricted.pk}
    heading = soup(reader.get("/tags/Poe%20Dameron/works")).select_one("h2.heading")
    assert " ".join(heading.text.split()).startswith("1 - 2 of 2 Works")
    admin = signed_in(UserFactory(is_staff=True))
    assert set(listed(admin)) == {public.pk, restricted.pk, hidden.pk}
    # Listings show posted works only, even to their creator.
    assert set(listed(signed_in(author))) == {public.pk, restricted.pk, hidden.pk}


def test_listing_is_newest_revised_first_twenty_a_page(client):
    from django.utils import timezone

    tag = make("Poe Dameron")
    now = timezone.now()
    works = [
        filed(WorkFactory(revised_at=now - timezone.timedelta(hours=i)), tag) for i in range(23)
    ]
    assert listed(client) == [w.pk for w in works[:20]]
    second = "/tags/Poe%20Dameron/works?page=2"
    assert listed(client, second) == [w.pk for w in works[20:]]
    heading = soup(client.get(second)).select_one("h2.heading")
    assert " ".join(heading.text.split()) == "21 - 23 of 23 Works in Poe Dameron"


def test_unwrangled_tag_lists_works_tagged_with_it_directly(client):
    from chapterhouse.tags.fixed import GENERAL, NO_WARNINGS_APPLY
    from chapterhouse.works.services.tagging import TagChoice, work_tags_set

    make("space husbands", TagType.FREEFORM, canonical=False)
    work = WorkFactory()
    work_tags_set(work=work, choice=TagChoice(
        rating=GENERAL, warnings=[NO_WARNINGS_APPLY], fandoms="Star Wars",
        freeforms="Space Husbands",
    ))
    WorkFactory()  # not tagged with it
    assert listed(client, "/tags/space%20husbands/works") == [work.pk]


def test_listing_of_twenty_works_costs_the_queries_of_one(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few, many = make("Finn"), make("Rose Tico")
    filed(WorkFactory(), few)
    for _ in range(20):
        filed(WorkFactory(), many)

    def queries(path):
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    assert queries("/tags/Rose%20Tico/works") == queries("/tags/Finn/works")


# /tags/search ---------------------------------------------------------------------


def test_tag_search_form_and_results(client):
    xf = make("The X-Files", TagType.FANDOM)
    mulder = make("Fox Mulder", parents=[xf], use_count=1234)
    filed(WorkFactory(), mulder)
    make("Fox McCloud")
    empty = soup(client.get("/tags/search"))
    assert empty.select_one("form#new_tag_search")["method"] == "get"
    assert empty.select_one("label[for=tag_search_name]") is not None
    assert empty.select("ol.tag.index.group") == []

    page = soup(client.get("/tags/search", {
        "tag_search[name]": "fox", "tag_search[fandoms]": "The X-Files",
        "tag_search[type]": "Character", "tag_search[canonical]": "T",
    }))
    assert page.select_one("h3.heading").text == "1 Found"
    result = page.select_one("ol.tag.index.group li")
    # The count is of the works this viewer may see under the tag.
    assert " ".join(result.text.split()) == "Character: Fox Mulder (1)"
    assert result.find("a", class_="tag")["href"] == "/tags/Fox%20Mulder"
    # What was typed is kept in the form.
    assert page.select_one("#tag_search_name")["value"] == "fox"


def test_tag_search_with_a_bad_type_says_so_and_keeps_input(client):
    page = soup(client.get("/tags/search", {"tag_search[name]": "fox",
                                            "tag_search[type]": "Bogus"}))
    assert page.select_one(".field.has-errors p.error") is not None
    assert page.select_one("#tag_search_name")["value"] == "fox"


# The fandom index ---------------------------------------------------------------------


def test_media_index_and_fandoms_by_letter_markup(client):
    tv = make("TV Shows", TagType.MEDIA)
    xf = make("The X-Files", TagType.FANDOM, parents=[tv])
    make("Twin Peaks", TagType.FANDOM, parents=[tv])
    make("Angel", TagType.FANDOM, parents=[tv])
    make("Loose Fandom", TagType.FANDOM)
    filed(WorkFactory(), xf)
    filed(WorkFactory(), xf)

    index = soup(client.get("/media"))
    assert index.select_one("div#main")["class"] == ["media-index", "region"]
    media = index.select("ul.media.fandom.index.group > li.medium")
    assert [li.h3.a["href"] for li in media] == [
        "/media/TV%20Shows/fandoms", "/media/Uncategorized%20Fandoms/fandoms"
    ]
    assert media[0].select("ol.index.group li")[0].text == "The X-Files (2)"

    response = client.get("/media/TV Shows/fandoms")
    assert response.status_code == 200
    page = soup(response)
    groups = page.select('ol[class="alphabet fandom index group"] > li')
    assert [li.select_one("h3.heading").contents[0].strip() for li in groups] == ["A", "T"]
    items = groups[1].select('ul[class="tags index group"] > li')
    assert [" ".join(li.text.split()) for li in items] == ["The X-Files (2)", "Twin Peaks (0)"]
    assert items[0].a["class"] == ["tag"]
    assert items[0].a["href"] == "/tags/The%20X-Files/works"

    loose = soup(client.get("/media/Uncategorized Fandoms/fandoms"))
    assert [a.text for a in loose.select("ul.tags.index.group a.tag")] == ["Loose Fandom"]
    assert client.get("/media/Radio/fandoms").status_code == 404


# /autocomplete/tags ---------------------------------------------------------------------


def test_autocomplete_json(client):
    sw = make("Star Wars", TagType.FANDOM)
    rey = make("Rey", parents=[sw])
    make("Reyes")
    response = client.get("/autocomplete/tags", {"term": "re", "type": "Character",
                                                 "fandoms": "Star Wars,Other"})
    assert response.status_code == 200
    assert response.json() == [{"id": rey.pk, "name": "Rey"}]
    assert client.get("/autocomplete/tags", {"term": ""}).json() == []
    bad = client.get("/autocomplete/tags", {"term": "re", "type": "Rating"})
    assert bad.status_code == 400 and "Unknown tag type" in bad.json()["errors"][0]
