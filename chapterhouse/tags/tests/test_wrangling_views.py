"""The wranglers' queue: open a fandom, choose tags, wrangle them at once."""

import pytest
from bs4 import BeautifulSoup

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = pytest.mark.django_db

FANDOM = "Star Harbour (Film)"


def _work_with(character: str):
    work = WorkFactory(fandom=FANDOM)
    WorkTag.objects.create(work=work, tag=tag(character, TagType.CHARACTER), position=9)
    work_filter_tags_refresh(work_ids=[work.pk])
    return work


@pytest.fixture
def wrangler(client):
    person = UserFactory(username="sorter")
    wrangler_grant(user=person)
    client.force_login(person)
    return client


@pytest.fixture
def fandom():
    fandom = tag(FANDOM, TagType.FANDOM)
    Tag.objects.filter(pk=fandom.pk).update(canonical=True)
    return fandom


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_readers_and_guests_cannot_open_the_queue(client, user, fandom):
    assert client.get("/tag_wranglings").status_code == 302
    client.force_login(user)
    assert client.get("/tag_wranglings").status_code == 403
    assert client.get("/tags/Star Harbour (Film)/wrangle").status_code == 403


def test_queue_lists_unwrangled_tags_of_the_fandom_most_used_first(wrangler, fandom):
    _work_with("Poe")
    _work_with("Poe")
    _work_with("Captain Rook")
    WorkFactory(fandom="Other Fandom")
    index = soup(wrangler.get("/tag_wranglings"))
    row = index.select_one("table.wrangling tbody tr")
    assert row.a.get_text() == FANDOM
    assert row.select("td")[1].get_text() == "2"
    page = soup(wrangler.get("/tags/Star Harbour (Film)/wrangle?show=characters"))
    names = [label.get_text() for label in page.select("table.wrangling tbody label")]
    assert names == ["Poe", "Captain Rook"]


def test_make_two_tags_synonyms_of_a_canonical_at_once(wrangler, fandom):
    first, second = _work_with("Poe"), _work_with("Poe D.")
    canonical = tag("Poe Dameron", TagType.CHARACTER)
    Tag.objects.filter(pk=canonical.pk).update(canonical=True)
    ids = list(Tag.objects.filter(name__in=["Poe", "Poe D."]).values_list("pk", flat=True))
    response = wrangler.post(
        "/tags/Star Harbour (Film)/wrangle?show=characters",
        {"tag_ids": ids, "action": "make_synonym", "target": "poe dameron"},
    )
    assert response.status_code == 302
    assert set(Tag.objects.filter(pk__in=ids).values_list("merger_id", flat=True)) == {
        canonical.pk
    }
    under = set(WorkFilterTag.objects.filter(tag=canonical).values_list("work_id", flat=True))
    assert under == {first.pk, second.pk}
    done = soup(wrangler.get(response["Location"]))
    assert "2 tags changed" in done.select_one(".flash.notice").get_text()


def test_a_refused_action_explains_and_keeps_the_choice(wrangler, fandom):
    _work_with("Poe")
    poe = Tag.objects.get(name="Poe")
    response = wrangler.post(
        "/tags/Star Harbour (Film)/wrangle?show=characters",
        {"tag_ids": [poe.pk], "action": "make_synonym", "target": "Nobody Called This"},
    )
    assert response.status_code == 400
    page = soup(response)
    assert "There is no tag called 'Nobody Called This'" in page.select_one(".flash.error").text
    assert page.select_one(f"#tag_{poe.pk}").has_attr("checked")
    assert page.select_one("#wrangle_target")["value"] == "Nobody Called This"
    poe.refresh_from_db()
    assert poe.merger_id is None


def test_the_tag_page_shows_wranglers_the_history_and_nobody_else(wrangler, client, fandom):
    _work_with("Poe")
    poe = Tag.objects.get(name="Poe")
    canonical = Tag.objects.create(name="Poe Dameron", type=TagType.CHARACTER, canonical=True)
    wrangler.post(
        "/tags/Star Harbour (Film)/wrangle?show=characters",
        {"tag_ids": [poe.pk], "action": "make_synonym", "target": canonical.name},
    )
    page = soup(wrangler.get("/tags/Poe"))
    rows = page.select("#wrangling_history tbody tr")
    assert len(rows) == 1
    cells = [td.get_text(" ", strip=True) for td in rows[0].select("td")]
    assert cells[1] == "sorter"
    assert cells[2].startswith("make synonym")
    assert "Poe Dameron" in cells[4]
    client.logout()
    assert soup(client.get("/tags/Poe")).select_one("#wrangling_history") is None


def test_the_posting_form_suggests_tags_as_the_writer_types(user_client):
    page = soup(user_client.get("/works/new"))
    assert page.select_one("#id_fandoms")["data-autocomplete"] == "Fandom"
    assert page.select_one("#id_characters")["data-autocomplete-fandoms"] == "#id_fandoms"
    assert page.select_one('script[src$="tags/autocomplete.js"]') is not None


def test_the_fandom_list_counts_in_one_query_whatever_the_fandoms(
    wrangler, fandom, django_assert_max_num_queries
):
    _work_with("Poe")
    for number in range(5):
        other = tag(f"Other Fandom {number}", TagType.FANDOM)
        Tag.objects.filter(pk=other.pk).update(canonical=True)
    from chapterhouse.tags.queue import fandoms_to_wrangle

    with django_assert_max_num_queries(2):
        rows = fandoms_to_wrangle()
    assert dict((f.name, n) for f, n in rows)[FANDOM] == 1
    assert len(rows) == 6
