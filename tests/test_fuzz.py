"""No input makes a page fail: generated requests to the listings, searches,
feeds and forms, mixing the values the pages expect with hostile ones (numbers
past any column, negatives, NUL, lone surrogates, text of every script, very
long text, several values where one is expected), must never answer 5xx.

Each form's fields are read from its own page, so a new field is fuzzed the
moment it is on the form. The API has its own (schemathesis) in
``chapterhouse/api/tests/test_schema.py``. At the end the terminal summary
says how many requests were made and how many answered 5xx.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Bookmark
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.tests.factories import WorkFactory

FANDOM = "Harbour Lights"

#: Every request made here and the ones that answered 5xx, for the summary.
STATS: dict = {"requests": 0, "server_errors": [], "statuses": Counter()}


def summary() -> str:
    """One line for the terminal summary (``tests/conftest.py``)."""
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(STATS["statuses"].items()))
    return (f"fuzz: {STATS['requests']} requests, {len(STATS['server_errors'])} answered 5xx "
            f"(by status: {statuses})")


# Values ------------------------------------------------------------------------------

HOSTILE = [
    "", " ", "0", "-1", "-2147483649", "2147483647", "2147483648", "9223372036854775808",
    "9" * 30, "-" + "9" * 30, "9" * 5000, "1e309", "NaN", "inf", "1.5", "0x10", "²", "١٢",
    "\x00", "a\x00b", "\ud800", "x\udfffy", "\U0001f600", "Ω≈ç√", "ẞ" * 3, "\u202e", "'\"<>&",
    "<script>alert(1)</script>", "../../etc/passwd", "%00", "%", "\\", "null", "[]", "{}",
    "T", "F", "true", "on", "asc", "desc", "_score", "kudos_count", "__class__",
    "< 2 weeks", "> 99999999999 years", ">1000", "<-5", "1-5", "5-1", "2024-02-30",
    "9999-12-31", "0001-01-01", "9999-12-31T23:59", "title:\"", "((((", "NOT", "kudos:>" + "9" * 30,
    "x" * 20_000,
]

#: Text of any kind, surrogates included (a browser cannot send them, a client can).
any_text = st.text(st.characters(exclude_categories=()), max_size=30)
#: Numbers just past a column or an index, and digits int() cannot read.
PAST_LIMITS = ["2147483648", "9223372036854775808", "9" * 30, "-1", "0", "²", "9" * 5000]
value = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(PAST_LIMITS),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    any_text,
)


def encode(pairs) -> str:
    """Pairs as a query string or form body; surrogates become their (invalid)
    UTF-8 bytes, as a hostile client would send them."""
    return "&".join(
        f"{quote(key, safe='[]', errors='surrogatepass')}={quote(val, errors='surrogatepass')}"
        for key, val in pairs
    )


def record(method: str, path: str, answer) -> None:
    STATS["requests"] += 1
    STATS["statuses"][answer.status_code] += 1
    if answer.status_code >= 500:
        STATS["server_errors"].append((method, path[:300], answer.status_code))
    assert answer.status_code < 500, f"{method} {path[:300]} answered {answer.status_code}"


def get(client: Client, path: str, pairs) -> None:
    address = f"{path}?{encode(pairs)}" if pairs else path
    record("GET", address, client.get(address))


def post(client: Client, path: str, pairs) -> None:
    body = encode(pairs)
    answer = client.post(path, body, content_type="application/x-www-form-urlencoded")
    record("POST", f"{path} {body}", answer)


# An archive --------------------------------------------------------------------------


class Archive:
    def __init__(self):
        self.creator = UserFactory(username="wren_writer")
        self.reader = UserFactory(username="ashby_reader")
        fandom = Tag.objects.create(name=FANDOM, type=TagType.FANDOM, canonical=True)
        self.work = WorkFactory(creator=self.creator, title="Lantern Hours", fandom=FANDOM,
                                chapters=2)
        WorkFactory(creator=self.reader, title="Nameless Shore", fandom=FANDOM)
        work_filter_tags_refresh(work_ids=[self.work.pk])
        self.chapter = self.work.chapters.order_by("position").first()
        self.bookmark = Bookmark.objects.create(
            user=self.reader, work=self.work, pseud=self.reader.pseuds.get(is_default=True),
            notes="Lovely.",
        )
        self.fandom = fandom
        self.clients = {"guest": self.client(None), "creator": self.client(self.creator),
                        "reader": self.client(self.reader)}

    @staticmethod
    def client(user) -> Client:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


@pytest.fixture
def archive(db):
    return Archive()


# Listings, searches, feeds -----------------------------------------------------------

LISTING_KEYS = [
    "page", "id", "q", "tag_id", "user_id", "pseud_id", "query", "name", "term", "type", "fandom",
    "work_search[query]", "work_search[title]", "work_search[creators]",
    "work_search[sort_column]", "work_search[sort_direction]", "work_search[complete]",
    "work_search[crossover]", "work_search[single_chapter]", "work_search[language_id]",
    "work_search[words_from]", "work_search[words_to]", "work_search[word_count]",
    "work_search[hits]", "work_search[kudos_count]", "work_search[comments_count]",
    "work_search[bookmarks_count]", "work_search[revised_at]", "work_search[date_from]",
    "work_search[date_to]", "work_search[fandom_names]", "work_search[other_tag_names]",
    "work_search[excluded_tag_names]", "work_search[excluded_tag_ids][]",
    "include_work_search[rating_ids][]", "include_work_search[fandom_ids][]",
    "include_work_search[archive_warning_ids][]", "exclude_work_search[freeform_ids][]",
    "exclude_work_search[rating_ids][]", "work_search[rating_ids]",
    "bookmark_search[bookmark_query]", "bookmark_search[bookmarkable_query]",
    "bookmark_search[sort_column]", "bookmark_search[rec]", "bookmark_search[with_notes]",
    "include_bookmark_search[tag_ids][]", "tag_search[name]", "tag_search[fandoms]",
    "tag_search[type]", "tag_search[canonical]", "tag_search[sort_column]",
    "tag_search[sort_direction]", "view_adult", "show_comments", "view_full_work",
]


def _listings(archive: Archive) -> list[str]:
    work, user = archive.work, archive.creator.username
    return [
        "/works", f"/tags/{FANDOM}/works", f"/users/{user}/works",
        f"/users/{user}/pseuds/{user}/works", "/works/search", "/bookmarks",
        "/bookmarks/search", f"/users/{user}/bookmarks", f"/tags/{FANDOM}/bookmarks",
        f"/works/{work.pk}/bookmarks", "/tags/search", "/autocomplete/tags",
        f"/tags/{FANDOM}", f"/tags/{FANDOM}/feed.atom", "/admin_posts/feed.atom",
        "/opds", "/opds/recent", "/opds/fandoms", f"/opds/fandoms/{FANDOM}", "/opds/search",
        "/languages/en/works", f"/works/{work.pk}", f"/works/{work.pk}/kudos",
        f"/works/{work.pk}/chapters/{archive.chapter.pk}", f"/works/{work.pk}/navigate",
        f"/users/{user}/series", f"/users/{user}", f"/users/{user}/profile", "/reports/new",
    ]


listing_pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from(LISTING_KEYS), any_text), value), max_size=6
)


@settings(max_examples=220, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_listings_and_searches_never_fail(archive, data):
    who = data.draw(st.sampled_from(sorted(archive.clients)))
    path = data.draw(st.sampled_from(_listings(archive)))
    get(archive.clients[who], path, data.draw(listing_pairs))


# Forms -------------------------------------------------------------------------------


def form_of(client: Client, page: str, action: str | None = None):
    """(action, [(name, [values the page offers])]) of the page's form whose
    action holds ``action`` (else its first form that posts)."""
    answer = client.get(page)
    assert answer.status_code == 200, (page, answer.status_code)
    soup = BeautifulSoup(answer.content.decode(), "html.parser")
    forms = [f for f in soup.find_all("form") if (f.get("method") or "").lower() == "post"]
    if action is not None:
        forms = [f for f in forms if action in (f.get("action") or "")]
    form = forms[0]
    fields: dict[str, list[str]] = {}
    for node in form.find_all(["input", "textarea", "select", "button"]):
        name = node.get("name")
        if not name or name == "csrfmiddlewaretoken":
            continue
        offered = fields.setdefault(name, [])
        if node.name == "select":
            offered.extend(o.get("value", o.get_text()) for o in node.find_all("option"))
        elif node.name == "textarea":
            offered.append(node.get_text())
        else:
            offered.append(node.get("value", "on"))
    return form.get("action") or page, list(fields.items())


def _forms(archive: Archive) -> list[tuple[str, str, str, str | None]]:
    """(who, page holding the form, where it posts when the page's own form
    action is not wanted, part of the action to pick the form by)."""
    work, chapter, user = archive.work, archive.chapter, archive.creator.username
    return [
        ("creator", "/works/new", None, None),
        ("creator", f"/works/{work.pk}/edit", None, None),
        ("creator", f"/works/{work.pk}/chapters/new", None, None),
        ("creator", f"/works/{work.pk}/chapters/{chapter.pk}/edit", None, None),
        ("creator", f"/works/{work.pk}/chapters/manage", None, None),
        ("reader", f"/works/{work.pk}?view_full_work=true", None, "comments"),
        ("reader", f"/works/{work.pk}?view_full_work=true", None, "kudos"),
        ("creator", f"/works/{work.pk}/bookmarks/new", None, None),
        ("reader", f"/bookmarks/{archive.bookmark.pk}/edit", None, None),
        ("creator", f"/users/{user}/profile/edit", None, None),
        ("creator", f"/users/{user}/preferences", None, None),
        ("creator", f"/users/{user}/pseuds/new", None, None),
        ("reader", f"/reports/new?type=work&id={work.pk}", None, None),
        ("guest", f"/reports/new?type=work&id={work.pk}", None, None),
        ("reader", f"/tags/{FANDOM}/works", "/saved_filters", None),
        ("reader", f"/users/{archive.reader.username}/muted", "/mutes/tags", None),
        ("reader", f"/users/{archive.reader.username}/muted", "/mutes/users", None),
    ]


@pytest.fixture
def forms(archive):
    """Each form's address and fields, read from its page once."""
    found = []
    for who, page, target, pick in _forms(archive):
        client = archive.clients[who]
        try:
            action, fields = form_of(client, page, pick)
        except IndexError:  # a page without a posting form: post its own fields
            action, fields = page, []
        found.append((who, target or action, fields))
    return found


def form_pairs(data, fields):
    """The form's own values, some swapped for hostile ones, some left out,
    some sent twice, and a stray field or two."""
    pairs = []
    for name, offered in fields:
        choice = data.draw(st.sampled_from(["offered", "hostile", "hostile", "leave out",
                                            "twice"]))
        if choice == "leave out":
            continue
        own = data.draw(st.sampled_from(offered)) if offered else ""
        if choice == "offered":
            pairs.append((name, own))
        elif choice == "hostile":
            pairs.append((name, data.draw(value)))
        else:
            pairs.extend([(name, own), (name, data.draw(value))])
    pairs.extend(data.draw(st.lists(st.tuples(any_text, value), max_size=2)))
    return pairs


@settings(max_examples=220, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_forms_never_fail(archive, forms, data):
    who, action, fields = data.draw(st.sampled_from(forms))
    post(archive.clients[who], action, form_pairs(data, fields))


def test_the_fuzz_reached_every_form_with_its_fields(archive, forms):
    """The forms were found on their pages (a renamed page would quietly leave
    a form unfuzzed otherwise)."""
    empty = [action for _, action, fields in forms if not fields
             and not action.startswith(("/saved_filters", "/mutes"))]
    assert empty == []
    assert len(forms) >= 15
