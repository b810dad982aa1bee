"""Every feed the site serves, checked as a strict reader would check it.

- Atom: each feed (the OPDS catalogue, a tag's feed, a saved filter's feed)
  is validated against RFC 4287's RELAX NG schema (``schemas/atom.rng``) and
  the RFC's rules that RELAX NG cannot say (``atom_rules_broken``).
- OPDS: navigation entries lead to catalogue feeds that answer with the type
  their link names; acquisition entries lead to an EPUB that answers as one;
  the OpenSearch description parses and its template finds works.
- Privacy: each feed, filled with a restricted, a draft, a hidden and an
  anonymous work, shows none of the first three and never names the fourth's
  creator.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from lxml import etree

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.discovery import services as discovery_services
from chapterhouse.discovery.feeds import saved_filter_feed_path
from chapterhouse.exchange.opds import catalog
from chapterhouse.tags.models import Tag, TagType, WorkFilterTag
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import works_visible_to
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
NS = {"a": catalog.ATOM_NS, "os": catalog.OPENSEARCH_NS}
CATALOGUE_TYPE = "application/atom+xml;profile=opds-catalog"
FANDOM = "Harbour Lights"


@cache
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))


def atom_rules_broken(root) -> list[str]:
    """RFC 4287's Schematron rules (section 4.1.1, 4.1.2), which RELAX NG cannot say."""
    broken = []
    entries = root.xpath("a:entry", namespaces=NS)
    feed_has_author = bool(root.xpath("a:author", namespaces=NS))
    for number, entry in enumerate(entries, start=1):
        if not feed_has_author and not entry.xpath("a:author | a:source/a:author",
                                                   namespaces=NS):
            broken.append(f"entry {number} has no author and neither has the feed")
        if not entry.xpath("a:content", namespaces=NS) and not entry.xpath(
            "a:link[@rel='alternate' or not(@rel)]", namespaces=NS
        ):
            broken.append(f"entry {number} has no content and no alternate link")
    for number, element in enumerate([root, *entries]):
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in element.xpath("a:link[@rel='alternate' or not(@rel)]", namespaces=NS)
        ]
        if len(alternates) != len(set(alternates)):
            broken.append(f"element {number} repeats an alternate link's type and hreflang")
    ids = root.xpath("a:entry/a:id/text()", namespaces=NS)
    if len(ids) != len(set(ids)):
        broken.append("two entries share an id")
    return broken


def valid_atom(response):
    """The response's feed, parsed; fails with the schema's complaints if invalid."""
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    schema = atom_schema()
    assert schema.validate(root), "\n".join(str(error) for error in schema.error_log)
    assert atom_rules_broken(root) == []
    return root


def get(client, href: str):
    """Follow a catalogue link as a reading app would: relative to the site."""
    address = urlsplit(href)
    return client.get(address.path + (f"?{address.query}" if address.query else ""))


# The site's contents: one work a guest may read, and four she may not see as such -------


@pytest.fixture
def harbour(db):
    fandom = Tag.objects.create(name=FANDOM, type=TagType.FANDOM, canonical=True)
    writer = UserFactory(username="open_oriel")
    secret = UserFactory(username="secret_sable")
    works = {
        "open": WorkFactory(creator=writer, title="Harbour Open", fandom=FANDOM),
        "restricted": WorkFactory(creator=writer, title="Harbour Locked", fandom=FANDOM,
                                  restricted=True),
        "draft": WorkFactory(creator=writer, title="Harbour Draft", fandom=FANDOM,
                             posted=False),
        "hidden": WorkFactory(creator=writer, title="Harbour Hidden", fandom=FANDOM,
                              hidden_by_admin=True),
        "anonymous": WorkFactory(creator=secret, title="Harbour Unsigned", fandom=FANDOM,
                                 anonymous=True),
    }
    for work in works.values():
        WorkFilterTag.objects.get_or_create(work=work, tag=fandom)
    return works


@pytest.fixture
def saved_feed_path(harbour):
    owner = UserFactory(username="filter_fern")
    saved = discovery_services.saved_filter_create(
        user=owner, name="Harbour", query=f"tag_id={FANDOM}"
    )
    return saved_filter_feed_path(saved)


WORK_FEEDS = [
    "/opds/recent",
    f"/opds/fandoms/{FANDOM}",
    "/opds/search?q=harbour",
    f"/tags/{FANDOM}/feed.atom",
    "saved filter",
]


def _address(path: str, saved_feed_path: str) -> str:
    return saved_feed_path if path == "saved filter" else path


@pytest.mark.parametrize("path", WORK_FEEDS)
def test_each_feed_of_works_is_valid_atom_and_shows_a_guest_only_what_she_may_see(
    client, harbour, saved_feed_path, path
):
    response = client.get(_address(path, saved_feed_path))
    root = valid_atom(response)
    titles = sorted(root.xpath("a:entry/a:title/text()", namespaces=NS))
    assert titles == ["Harbour Open", "Harbour Unsigned"]
    [unsigned] = root.xpath("a:entry[a:title='Harbour Unsigned']", namespaces=NS)
    assert unsigned.xpath("a:author/a:name/text()", namespaces=NS) == ["Anonymous"]
    assert b"secret_sable" not in response.content


@pytest.mark.parametrize("path", WORK_FEEDS)
def test_a_signed_in_reader_gets_the_same_guest_feed(
    client, harbour, saved_feed_path, path, user
):
    client.force_login(user)
    root = valid_atom(client.get(_address(path, saved_feed_path)))
    assert sorted(root.xpath("a:entry/a:title/text()", namespaces=NS)) == [
        "Harbour Open", "Harbour Unsigned",
    ]


@pytest.mark.parametrize("path", ["/opds", "/opds/fandoms", "/opds/recent",
                                  "/opds/search?q=nothing-matches-this",
                                  f"/tags/{FANDOM}/feed.atom"])
def test_feeds_with_nothing_in_them_are_still_valid(client, path):
    Tag.objects.create(name=FANDOM, type=TagType.FANDOM, canonical=True)
    valid_atom(client.get(path))


def test_the_fandom_list_counts_only_what_a_guest_may_see(client, harbour):
    root = valid_atom(client.get("/opds/fandoms"))
    [entry] = root.xpath("a:entry", namespaces=NS)
    assert entry.findtext("a:title", namespaces=NS) == FANDOM
    assert entry.findtext("a:content", namespaces=NS) == "2 works"
    assert len(works_visible_to(AnonymousUser()).filter(posted=True)) == 2


def test_the_schema_catches_a_broken_feed(client, harbour):
    """The schema really checks: a feed without its id, or with a date in words, fails."""
    root = valid_atom(client.get("/opds/recent"))
    schema = atom_schema()
    no_id = etree.fromstring(etree.tostring(root))
    no_id.remove(no_id.find("a:id", namespaces=NS))
    assert not schema.validate(no_id)
    bad_date = etree.fromstring(etree.tostring(root))
    bad_date.find("a:entry/a:updated", namespaces=NS).text = "last Tuesday"
    assert not schema.validate(bad_date)
    no_author = etree.fromstring(etree.tostring(root))
    for element in no_author.xpath("//a:author", namespaces=NS):
        element.getparent().remove(element)
    assert atom_rules_broken(no_author)


# OPDS: every link leads somewhere that answers as promised ---------------------------------


def _kind(media_type: str) -> str:
    return media_type.split("kind=")[-1] if "kind=" in media_type else ""


def test_every_navigation_link_leads_to_a_valid_feed_of_the_type_it_names(client, harbour):
    seen: set[str] = set()
    to_visit = ["/opds"]
    while to_visit:
        href = to_visit.pop()
        if href in seen:
            continue
        seen.add(href)
        response = get(client, href)
        root = valid_atom(response)
        self_link = root.xpath("a:link[@rel='self']", namespaces=NS)[0]
        assert response["Content-Type"].startswith(self_link.get("type"))
        assert root.xpath("a:link[@rel='start']/@href", namespaces=NS) == ["/opds"]
        if _kind(self_link.get("type")) != "navigation":
            continue
        for entry in root.xpath("a:entry", namespaces=NS):
            links = entry.xpath("a:link", namespaces=NS)
            assert links, "a navigation entry leads nowhere"
            for each in links:
                if each.get("type") == catalog.OPENSEARCH:
                    assert get(client, each.get("href")).status_code == 200
                    continue
                assert each.get("type").startswith(CATALOGUE_TYPE)
                target = get(client, each.get("href"))
                assert target.status_code == 200
                assert target["Content-Type"].startswith(each.get("type"))
                to_visit.append(each.get("href"))
    assert {"/opds", "/opds/recent", "/opds/fandoms",
            "/opds/fandoms/Harbour%20Lights"} <= seen


def test_every_acquisition_entry_offers_an_epub_that_answers_as_one(client, harbour):
    root = valid_atom(client.get("/opds/recent"))
    entries = root.xpath("a:entry", namespaces=NS)
    assert len(entries) == 2
    for entry in entries:
        [epub] = entry.xpath(
            f"a:link[@rel='{catalog.ACQUIRE}'][@type='application/epub+zip']", namespaces=NS
        )
        assert epub.get("href").startswith("/downloads/")
        assert epub.get("href").endswith(".epub")
        response = get(client, epub.get("href"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/epub+zip")
        body = b"".join(response) if response.streaming else response.content
        assert body[:2] == b"PK"  # a ZIP container
        assert b"application/epub+zip" in body[:100]  # its mimetype entry comes first


def test_acquisition_links_of_hidden_works_lead_nowhere_for_a_guest(client, harbour):
    """The feed never links them; and their addresses, guessed, give a guest no
    file (a restricted work sends the guest to log in, as its work page does)."""
    for key in ("restricted", "draft", "hidden"):
        work: Work = harbour[key]
        response = client.get(f"/downloads/{work.pk}/Anything.epub")
        assert not response["Content-Type"].startswith("application/epub+zip"), key
        expected = 302 if key == "restricted" else 404
        assert response.status_code == expected, key


def test_opensearch_description_parses_and_its_template_finds_works(client, harbour):
    response = client.get("/opds/search.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/opensearchdescription+xml")
    description = etree.fromstring(response.content)
    assert description.tag == f"{{{catalog.OPENSEARCH_NS}}}OpenSearchDescription"
    short_name = description.findtext("os:ShortName", namespaces=NS)
    assert short_name and len(short_name) <= 16
    [url] = description.xpath(f"os:Url[@type='{catalog.ACQUISITION}']", namespaces=NS)
    assert "{searchTerms}" in url.get("template")
    results = valid_atom(get(client, url.get("template").replace("{searchTerms}", "unsigned")))
    assert results.xpath("a:entry/a:title/text()", namespaces=NS) == ["Harbour Unsigned"]


@pytest.mark.parametrize("path", [
    "/opds/recent",
    f"/tags/{FANDOM}/feed.atom",
])
def test_a_title_with_a_control_character_does_not_break_a_feed(client, path):
    fandom = Tag.objects.create(name=FANDOM, type=TagType.FANDOM, canonical=True)
    odd = WorkFactory(title="Form\x0cFeed Ledger", fandom=FANDOM)
    WorkFilterTag.objects.create(work=odd, tag=fandom)
    root = valid_atom(client.get(path))
    assert root.xpath("a:entry/a:title/text()", namespaces=NS) == ["FormFeed Ledger"]
