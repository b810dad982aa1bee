"""The OPDS 1.2 catalogue as XML: Atom feeds that e-reader apps browse.

Two kinds of feed (OPDS's profile parameter ``kind``):

- **navigation** feeds list other feeds (the root, the fandom list); each
  entry carries one ``subsection`` link to the feed it leads to;
- **acquisition** feeds list works; each entry carries links to the work's
  downloads (``http://opds-spec.org/acquisition``: EPUB, PDF, HTML) and to
  its page (``alternate``).

Ids are absolute (``SITE_URL`` + path) so they stay the same whoever asks;
``href``s are root-relative, which Atom resolves against the feed's own
address. The builders here take what the selectors read and return bytes;
none of them reads the database beyond what the blurbs already hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from lxml import etree

from chapterhouse.exchange.downloads.links import download_path
from chapterhouse.tags.models import tag_name_to_url
from chapterhouse.works.selectors.listing import Blurb, Page
from chapterhouse.works.text import sanitize_stored_html, strip_html, xml_text

ATOM_NS = "http://www.w3.org/2005/Atom"
OPDS_NS = "http://opds-spec.org/2010/catalog"
DC_NS = "http://purl.org/dc/terms/"
THR_NS = "http://purl.org/syndication/thread/1.0"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: ATOM_NS, "dc": DC_NS, "thr": THR_NS, "opensearch": OPENSEARCH_NS}

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPENSEARCH = "application/opensearchdescription+xml"
ACQUIRE = "http://opds-spec.org/acquisition"
SORT_NEW = "http://opds-spec.org/sort/new"

#: The downloads each work entry offers, in the order listed, with media types.
DOWNLOAD_TYPES = {
    "epub": "application/epub+zip",
    "pdf": "application/pdf",
    "html": "text/html",
}

ROOT_PATH = "/opds"
RECENT_PATH = "/opds/recent"
FANDOMS_PATH = "/opds/fandoms"
SEARCH_PATH = "/opds/search"
OPENSEARCH_PATH = "/opds/search.xml"


def fandom_path(name: str) -> str:
    """The catalogue address of a fandom's works, spelled as its tag page."""
    return f"{FANDOMS_PATH}/{quote(tag_name_to_url(name), safe='*')}"


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _with_page(path: str, number: int, params: dict | None = None) -> str:
    query = dict(params or {})
    if number > 1:
        query["page"] = number
    return path + ("?" + urlencode(query) if query else "")


def _stamp(when) -> str:
    """RFC 3339 in the site's time zone, to the second."""
    if isinstance(when, dt.date) and not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time.min, tzinfo=timezone.get_current_timezone())
    return timezone.localtime(when).replace(microsecond=0).isoformat()


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def _sub(parent, tag: str, text: str | None = None, **attrs):
    element = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _link(parent, *, rel: str, href: str, type: str, **extra):
    attrs = {"rel": rel, "href": href, "type": type}
    attrs.update(extra)
    return etree.SubElement(parent, _atom("link"), {k: xml_text(v) for k, v in attrs.items()})


# Feeds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    """Where a paginated feed is: its path (and query), this page, the last."""

    path: str
    number: int
    num_pages: int
    params: dict | None = None

    def href(self, number: int) -> str:
        return _with_page(self.path, number, self.params)


def _feed(*, path: str, title: str, kind: str, updated, paging: Paging | None,
          subtitle: str = "", search: bool = True):
    feed = etree.Element(_atom("feed"), nsmap=NSMAP)
    feed.set(f"{{{XML_NS}}}lang", "en")
    self_href = paging.href(paging.number) if paging else path
    _sub(feed, _atom("id"), absolute(self_href))
    _sub(feed, _atom("title"), title)
    if subtitle:
        _sub(feed, _atom("subtitle"), subtitle)
    _sub(feed, _atom("updated"), _stamp(updated))
    author = _sub(feed, _atom("author"))
    _sub(author, _atom("name"), settings.SITE_NAME)
    _sub(author, _atom("uri"), absolute("/"))
    _link(feed, rel="self", href=self_href, type=kind)
    _link(feed, rel="start", href=ROOT_PATH, type=NAVIGATION)
    if search:
        _link(feed, rel="search", href=OPENSEARCH_PATH, type=OPENSEARCH)
    if paging and paging.num_pages > 1:
        _link(feed, rel="first", href=paging.href(1), type=kind)
        if paging.number > 1:
            _link(feed, rel="previous", href=paging.href(paging.number - 1), type=kind)
        if paging.number < paging.num_pages:
            _link(feed, rel="next", href=paging.href(paging.number + 1), type=kind)
        _link(feed, rel="last", href=paging.href(paging.num_pages), type=kind)
    return feed


def _bytes(feed) -> bytes:
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


@dataclass(frozen=True)
class NavigationItem:
    """One entry of a navigation feed: a title, the feed it leads to and what
    that feed is (``NAVIGATION`` or ``ACQUISITION``), a line about it."""

    title: str
    path: str
    type: str
    content: str
    rel: str = "subsection"
    count: int | None = None


def navigation_feed(*, path: str, title: str, items: list[NavigationItem], updated,
                    paging: Paging | None = None, subtitle: str = "") -> bytes:
    feed = _feed(path=path, title=title, kind=NAVIGATION, updated=updated, paging=paging,
                 subtitle=subtitle)
    for item in items:
        entry = _sub(feed, _atom("entry"))
        _sub(entry, _atom("title"), item.title)
        _sub(entry, _atom("id"), absolute(item.path))
        _sub(entry, _atom("updated"), _stamp(updated))
        _sub(entry, _atom("content"), item.content, type="text")
        extra = {} if item.count is None else {f"{{{THR_NS}}}count": str(item.count)}
        _link(entry, rel=item.rel, href=item.path, type=item.type, **extra)
    return _bytes(feed)


def root_feed(*, updated) -> bytes:
    """``/opds``: where a reading app starts."""
    name = settings.SITE_NAME
    items = [
        NavigationItem(
            title="Recent works", path=RECENT_PATH, type=ACQUISITION, rel=SORT_NEW,
            content=f"The works most recently posted or updated on {name}.",
        ),
        NavigationItem(
            title="Fandoms", path=FANDOMS_PATH, type=NAVIGATION,
            content="Every fandom with works, by name, with how many each has.",
        ),
        NavigationItem(
            title="Search", path=OPENSEARCH_PATH, type=OPENSEARCH, rel="search",
            content="Search works by title, creator, tag or text.",
        ),
    ]
    return navigation_feed(path=ROOT_PATH, title=f"{name} catalogue", items=items,
                           updated=updated, subtitle=f"Works on {name}, to read in any app.")


def _works_label(count: int) -> str:
    return f"{count:,} work" + ("" if count == 1 else "s")


def fandoms_feed(*, page: Page, updated) -> bytes:
    """``/opds/fandoms``: canonical fandoms with works, each leading to its works."""
    items = [
        NavigationItem(title=row.name, path=fandom_path(row.name), type=ACQUISITION,
                       content=_works_label(row.count), count=row.count)
        for row in page.items
    ]
    paging = Paging(FANDOMS_PATH, page.number, page.num_pages)
    return navigation_feed(path=FANDOMS_PATH, title="Fandoms", items=items, updated=updated,
                           paging=paging)


# Acquisition feeds ------------------------------------------------------------------------


def creator_names(blurb: Blurb) -> list[tuple[str, str | None]]:
    """(name, profile address) per creator; an anonymous work has one creator,
    "Anonymous", with no address."""
    if blurb.work.anonymous or not blurb.creators:
        return [("Anonymous", None)]
    found = []
    for creatorship in blurb.creators:
        pseud = creatorship.pseud
        username = pseud.user.username
        name = pseud.name if pseud.name == username else f"{pseud.name} ({username})"
        uri = absolute(f"/users/{quote(username)}/pseuds/{quote(pseud.name)}")
        found.append((name, uri))
    return found


def _facts_html(blurb: Blurb) -> str:
    work = blurb.work
    chapters = f"{work.posted_chapter_count}/{work.expected_chapters or '?'}"
    facts = [
        f"Words: {work.word_count:,}",
        f"Chapters: {chapters}",
        "Complete" if work.complete else "Work in progress",
    ]
    line = " · ".join(facts)
    series = [
        f"Part {part.position} of {part.series.title}" for part in blurb.series
    ]
    html = f"<p>{escape(line)}</p>"
    if series:
        html += "<p>" + escape("; ".join(series)) + "</p>"
    return html


def _work_entry(feed, blurb: Blurb) -> None:
    work = blurb.work
    entry = _sub(feed, _atom("entry"))
    _sub(entry, _atom("title"), work.title)
    _sub(entry, _atom("id"), absolute(f"/works/{work.pk}"))
    for name, uri in creator_names(blurb):
        author = _sub(entry, _atom("author"))
        _sub(author, _atom("name"), name)
        if uri:
            _sub(author, _atom("uri"), uri)
    _sub(entry, _atom("updated"), _stamp(work.revised_at or work.created_at))
    if work.published_on:
        _sub(entry, _atom("published"), _stamp(work.published_on))
    _sub(entry, f"{{{DC_NS}}}language", work.language or "en")
    for tag in blurb.tags:
        _sub(entry, _atom("category"), term=tag.name, label=tag.name)
    summary_html = sanitize_stored_html(work.summary or "")
    summary_text = strip_html(summary_html).strip()
    if summary_text:
        _sub(entry, _atom("summary"), summary_text, type="text")
    _sub(entry, _atom("content"), summary_html + _facts_html(blurb), type="html")
    for fmt, media_type in DOWNLOAD_TYPES.items():
        _link(entry, rel=ACQUIRE, href=download_path(work, fmt), type=media_type)
    _link(entry, rel="alternate", href=f"/works/{work.pk}", type="text/html")


def acquisition_feed(*, path: str, title: str, page: Page, params: dict | None = None,
                     subtitle: str = "", updated=None) -> bytes:
    """A feed of works: one page of blurbs, with links to the other pages."""
    items: list[Blurb] = list(page.items)
    if updated is None:
        stamps = [b.work.revised_at or b.work.created_at for b in items]
        updated = max(stamps) if stamps else timezone.now()
    paging = Paging(path, page.number, page.num_pages, params)
    feed = _feed(path=path, title=title, kind=ACQUISITION, updated=updated, paging=paging,
                 subtitle=subtitle)
    _sub(feed, f"{{{OPENSEARCH_NS}}}totalResults", str(page.total))
    _sub(feed, f"{{{OPENSEARCH_NS}}}itemsPerPage", str(page.per_page))
    _sub(feed, f"{{{OPENSEARCH_NS}}}startIndex", str(max(page.first_index, 1)))
    for blurb in items:
        _work_entry(feed, blurb)
    return _bytes(feed)


# OpenSearch -------------------------------------------------------------------------------


def opensearch_description() -> bytes:
    """``/opds/search.xml``: tells a reading app how to search the catalogue."""
    def os(tag: str) -> str:
        return f"{{{OPENSEARCH_NS}}}{tag}"

    name = settings.SITE_NAME
    root = etree.Element(os("OpenSearchDescription"), nsmap={None: OPENSEARCH_NS})
    _sub(root, os("ShortName"), name[:16])
    _sub(root, os("Description"), f"Search the works on {name}.")
    _sub(root, os("InputEncoding"), "UTF-8")
    _sub(root, os("OutputEncoding"), "UTF-8")
    _sub(root, os("Url"), type=ACQUISITION,
         template=absolute(SEARCH_PATH) + "?q={searchTerms}")
    _sub(root, os("Url"), type="text/html",
         template=absolute("/works/search") + "?work_search%5Bquery%5D={searchTerms}")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
