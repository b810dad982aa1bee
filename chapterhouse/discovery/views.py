"""Listings with AO3's filter sidebar, the work search form and its results.

Thin views: ``params.work_query_from_params`` turns the request into a
``WorkQuery``, ``selectors.search_works`` answers it (visibility and mutes
included), and ``filtered_listing`` gathers what the listing templates
(``discovery/listing.html`` and the tag and user listings that extend it)
show: the page of blurbs, the sidebar with its facet counts, and the query
string that pagination and saved filters carry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.encoding import escape_uri_path
from django.views.decorators.http import require_GET
from markupsafe import Markup

from chapterhouse.accounts.selectors import preference_for, pseud_by_name, user_by_name
from chapterhouse.tags import page_selectors as tag_pages
from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.tags.models import Tag
from chapterhouse.web.caches import LocalLRU
from chapterhouse.works.languages import LANGUAGE_CHOICES, LANGUAGES, language_name
from chapterhouse.works.selectors.listing import page_number
from chapterhouse.works.selectors.visibility import visible_tag_rows

from . import selectors
from .params import GROUP_OF_TYPE, work_query_from_params, work_query_to_params, ws
from .query import FACET_GROUPS, SORT_COLUMNS, WorkQuery

#: The sidebar's name for each facet group.
GROUP_LABELS = {
    "rating": "Ratings",
    "archive_warning": "Warnings",
    "category": "Categories",
    "fandom": "Fandoms",
    "character": "Characters",
    "relationship": "Relationships",
    "freeform": "Additional Tags",
}
#: Ratings on the search form, mildest first (AO3's order).
RATING_ORDER = (10, 11, 12, 13, 9)
#: Parameters that make ``/works`` a filtered listing rather than recent works.
_PLACE_KEYS = ("tag_id", "user_id", "pseud_id", "collection_id")
_FILTER_PREFIXES = ("work_search[", "include_work_search[", "exclude_work_search[")


def _hidden_tags(request) -> dict:
    preference = preference_for(request.user)
    return {
        "hide_warnings": bool(preference and preference.hide_warnings),
        "hide_freeform": bool(preference and preference.hide_freeform),
    }


def _has_filters(params) -> bool:
    return any(key.startswith(_FILTER_PREFIXES) for key in params)


# The sidebar ----------------------------------------------------------------------


@dataclass
class FilterChoice:
    tag_id: int
    name: str
    count: int
    checked: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.count:,})"


@dataclass
class FilterGroup:
    key: str  # a FACET_GROUPS key
    action: str  # "include" or "exclude"
    choices: list[FilterChoice]

    @property
    def label(self) -> str:
        return GROUP_LABELS[self.key]

    @property
    def field_name(self) -> str:
        return f"{self.action}_work_search[{FACET_GROUPS[self.key]}][]"

    @property
    def dom_id(self) -> str:
        return f"{self.action}_{self.key}_tags"

    def choice_id(self, choice: FilterChoice) -> str:
        return f"{self.id_prefix}{choice.tag_id}"

    @property
    def id_prefix(self) -> str:
        """Each choice's checkbox id is this and the tag's id."""
        return f"{self.action}_work_search_{FACET_GROUPS[self.key]}_"

    @property
    def is_open(self) -> bool:
        return any(choice.checked for choice in self.choices)


@dataclass
class Sidebar:
    action: str
    hidden: list[tuple[str, str]]
    sort_options: list[tuple[str, str]]
    sort_column: str
    include: list[FilterGroup]
    exclude: list[FilterGroup]
    values: dict[str, str]  # text fields and radios, exactly as the reader sent them
    show_language: bool
    clear_url: str
    languages: Sequence[tuple[str, str]] = field(default_factory=lambda: LANGUAGE_CHOICES)

    def digest(self) -> str:
        """A digest of everything the sidebar shows: equal digests, equal HTML."""
        groups = tuple(
            (group.key, group.action,
             tuple((c.tag_id, c.name, c.count, c.checked) for c in group.choices))
            for group in (*self.include, *self.exclude)
        )
        parts = (
            self.action, tuple(self.hidden), tuple(self.sort_options), self.sort_column,
            groups, tuple(sorted(self.values.items())), self.show_language, self.clear_url,
            tuple(self.languages),
        )
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


#: Rendered sidebars by digest: a popular listing's first page shows the
#: same tags and counts to everyone until its works change, and the sidebar
#: (about 1,500 escaped values with the language list) is most of the
#: page's template work.
_SIDEBARS = LocalLRU(128, name="sidebar")


def sidebar_html(sidebar: Sidebar) -> Markup:
    def render() -> Markup:
        # The template autoescapes every value it shows.
        html = render_to_string("discovery/_filters.html", {"sidebar": sidebar})
        return Markup(html)  # noqa: S704

    return _SIDEBARS.get_or_make(sidebar.digest(), render)


def _raw_values(params, names: Iterable[str]) -> dict[str, str]:
    return {name: params.get(ws(name), "") for name in names}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "T" if value else "F"


def _facet_groups(viewer, query: WorkQuery, facets: dict, total: int):
    """The include and exclude groups, and each shown tag's group (for links).

    Every ticked tag stays in the sidebar, ticked, even when it is not among
    its group's ten most common: with the count it has in these results (an
    included tag is on all of them, an excluded one on none)."""
    included = set(query.rating_ids) | set(query.include_ids)
    excluded = set(query.exclude_ids)
    group_of = {
        entry.tag_id: key for key, entries in facets.items() for entry in entries
    }
    missing = (included | excluded) - group_of.keys()
    extra: dict[str, list[tuple[int, str]]] = {}
    if missing:
        # Ticked by id in the address: named only when the viewer may know the tag.
        rows = visible_tag_rows(viewer, missing)
        for pk, name, kind in sorted(rows, key=lambda row: row[1].casefold()):
            key = GROUP_OF_TYPE.get(kind, "freeform")
            group_of[pk] = key
            extra.setdefault(key, []).append((pk, name))
    include_groups, exclude_groups = [], []
    for key in FACET_GROUPS:
        entries = facets.get(key, [])
        shown = {entry.tag_id for entry in entries}
        include = [
            FilterChoice(e.tag_id, e.name, e.count, e.tag_id in included)
            for e in entries
            if e.tag_id not in excluded
        ]
        include += [
            FilterChoice(pk, name, total, True)
            for pk, name in extra.get(key, [])
            if pk in included and pk not in shown
        ]
        exclude = [
            FilterChoice(e.tag_id, e.name, e.count, e.tag_id in excluded) for e in entries
        ]
        exclude += [
            FilterChoice(pk, name, 0, True)
            for pk, name in extra.get(key, [])
            if pk in excluded and pk not in shown
        ]
        include_groups.append(FilterGroup(key, "include", include))
        exclude_groups.append(FilterGroup(key, "exclude", exclude))
    return include_groups, exclude_groups, group_of


def filtered_listing(
    request,
    *,
    base: WorkQuery,
    hidden: Sequence[tuple[str, str]] = (),
    saved_place: Sequence[tuple[str, str]] = (),
    show_language: bool = True,
) -> dict:
    """Everything a filtered listing page shows, as template context.

    ``base``: the listing's own place (tag, user, pseud, language); the
    sidebar submits to this page. ``hidden``: parameters it needs to stay the
    same listing
    (``tag_id`` on ``/works``). ``saved_place``: the same for a saved filter,
    which is replayed against ``/works``.
    """
    query = work_query_from_params(request.GET, base=base)
    results = selectors.search_works(
        viewer=request.user, query=query, page=page_number(request.GET.get("page")),
        rendered=True,
    )
    works = results.page
    include, exclude, group_of = _facet_groups(
        request.user, query, results.facets or {}, works.total
    )
    filters = work_query_to_params(query, groups=group_of, default_sort=base.sort_column)
    # This page's links need not repeat its own language; a saved filter does.
    own = filters
    if base.language:
        own = work_query_to_params(
            query.with_(language=""), groups=group_of, default_sort=base.sort_column
        )
    action = escape_uri_path(request.path)
    values = _raw_values(
        request.GET,
        ("other_tag_names", "excluded_tag_names", "words_from", "words_to", "date_from",
         "date_to", "query"),
    )
    values.update(
        crossover=_yes_no(query.crossover), complete=_yes_no(query.complete),
        language_id=query.language,
    )
    sidebar = Sidebar(
        action=action,
        hidden=list(hidden),
        sort_options=[(col, label) for col, label in SORT_COLUMNS.items() if col != "_score"],
        sort_column=query.sort_column,
        include=include,
        exclude=exclude,
        values=values,
        show_language=show_language,
        clear_url=action + ("?" + urlencode(list(hidden)) if hidden else ""),
    )
    messages = list(dict.fromkeys([*query.errors, *results.query.errors]))
    notices = [notice for notice in dict.fromkeys(results.notices) if notice not in messages]
    return {
        "results": results,
        "works": works,
        "query": query,
        "sidebar": sidebar,
        "sidebar_html": sidebar_html(sidebar),
        "errors": messages,
        "notices": notices,
        "filtered": _has_filters(request.GET),
        "page_path": escape_uri_path(request.path),
        "page_query": urlencode([*hidden, *own]),
        "current_query": urlencode([*saved_place, *filters]),
        **_hidden_tags(request),
    }


# /works ---------------------------------------------------------------------------


def _listing_tag(viewer, name: str) -> Tag:
    tag = tag_pages.tag_visible(viewer=viewer, url_name=name)
    if tag is None:
        raise Http404("We couldn't find a tag by that name.")
    return tag.merger if tag.merger_id and tag.merger_id != tag.pk else tag


@require_GET
def works_index(request):
    """``/works``: a filtered listing (AO3's ``tag_id``, ``user_id``, ``pseud_id``,
    ``collection_id`` and filter parameters), or the most recent works when
    nothing is asked. ``collection_id`` lists the works approved in the
    collection that the index holds: its unrevealed works are in no listing
    but the collection's own pages."""
    params = request.GET
    place = {key: params.get(key, "").strip() for key in _PLACE_KEYS if params.get(key, "").strip()}
    if not place and not _has_filters(params):
        recent = selectors.search_works(
            viewer=request.user, query=WorkQuery(), page=1, with_facets=False, rendered=True
        )
        return render(
            request,
            "discovery/listing.html",
            {
                "main_class": "works-index",
                "recent": True,
                "heading": "Recent Works",
                "works": recent.page,
                "results": recent,
                **_hidden_tags(request),
            },
        )
    base = WorkQuery()
    tag = user = pseud = None
    if "tag_id" in place:
        tag = _listing_tag(request.user, place["tag_id"])
        base = base.with_(tag_ids=(tag.pk,))
    if "user_id" in place:
        user = user_by_name(place["user_id"])
        if user is None:
            raise Http404("We couldn't find a user by that name.")
        base = base.with_(user_id=user.pk)
    if "pseud_id" in place:
        if user is None:
            raise Http404("A pseud is named together with its user (user_id).")
        pseud = pseud_by_name(user, place["pseud_id"])
        if pseud is None:
            raise Http404("We couldn't find a pseud by that name.")
        base = base.with_(pseud_id=pseud.pk)
    collection = None
    if "collection_id" in place:
        # AO3's collection_id is the collection's name.
        from chapterhouse.collections.selectors import collection_by_name

        collection = collection_by_name(place["collection_id"])
        if collection is None:
            raise Http404("We couldn't find a collection by that name.")
        base = base.with_(collection_id=collection.pk)
    hidden = []
    if collection is not None:
        hidden.append(("collection_id", collection.name))
    if tag is not None:
        hidden.append(("tag_id", tag.name))
    if user is not None:
        hidden.append(("user_id", user.username))
    if pseud is not None:
        hidden.append(("pseud_id", pseud.name))
    context = filtered_listing(request, base=base, hidden=hidden, saved_place=hidden)
    works = context["works"]
    if pseud is not None:
        noun = f"Works by {pseud.name} ({user.username})"
    elif user is not None:
        noun = f"Works by {user.username}"
    elif tag is None and collection is not None:
        noun = f"Works in {collection.title}"
    else:
        noun = "Works in" if tag is not None else "Works"
    return render(
        request,
        "discovery/listing.html",
        {
            "main_class": "works-index dashboard filtered",
            "heading": works.heading(noun),
            "tag": tag,
            "tag_path": tag_pages.tag_path,
            **context,
        },
    )


@require_GET
def language_works(request, code: str):
    """``/languages/CODE/works``: the works written in one language."""
    if code not in LANGUAGES:
        raise Http404("We don't know that language.")
    # The language travels in the filters' own work_search[language_id].
    context = filtered_listing(request, base=WorkQuery(language=code), show_language=False)
    works = context["works"]
    return render(
        request,
        "discovery/listing.html",
        {
            "main_class": "works-index dashboard filtered",
            "heading": works.heading(f"Works in {language_name(code)}"),
            "language": code,
            **context,
        },
    )


# /works/search --------------------------------------------------------------------


def _is_search(params) -> bool:
    return "commit" in params or any(key.startswith("work_search[") for key in params)


def _summary(viewer, query: WorkQuery, params) -> str:
    """"You searched for: …", as AO3 words it."""
    parts: list[str] = []
    if query.query:
        parts.append(query.query)
    if query.title:
        parts.append(f"Title: {query.title}")
    if query.creators:
        parts.append(f"Creator: {query.creators}")
    included = [*query.rating_ids, *query.include_ids]
    found = {}
    if included or query.exclude_ids:
        ids = [*included, *query.exclude_ids]
        found = {pk: name for pk, name, _kind in visible_tag_rows(viewer, ids)}
    names = [*query.include_names, *(found[i] for i in included if i in found)]
    if names:
        parts.append("Tags: " + ", ".join(dict.fromkeys(names)))
    excluded = [*query.exclude_names, *(found[i] for i in query.exclude_ids if i in found)]
    if excluded:
        parts.append("Excluded: " + ", ".join(dict.fromkeys(excluded)))
    if query.complete is not None:
        parts.append("Complete" if query.complete else "Incomplete")
    if query.crossover is not None:
        parts.append("Only Crossovers" if query.crossover else "No Crossovers")
    if query.single_chapter:
        parts.append("Single Chapter")
    if query.language:
        parts.append(f"Language: {language_name(query.language)}")
    for key, label in (("word_count", "word count"), ("hits", "hits"),
                       ("kudos_count", "kudos count"), ("comments_count", "comments count"),
                       ("bookmarks_count", "bookmarks count"), ("revised_at", "revised at")):
        if params.get(ws(key), "").strip():
            parts.append(f"{label}: {params.get(ws(key)).strip()}")
    direction = " ascending" if query.sort_direction == "asc" else " descending"
    parts.append(f"sort by: {SORT_COLUMNS[query.sort_column].lower()}{direction}")
    return " ".join(parts)


@dataclass
class SearchForm:
    """The search form's fields, filled with what the reader sent."""

    values: dict[str, str]
    rating: str
    warnings: list[tuple[int, str, bool]]
    categories: list[tuple[int, str, bool]]
    ratings: list[tuple[int, str]]
    languages: Sequence[tuple[str, str]]
    sort_options: list[tuple[str, str]]
    sort_column: str
    sort_direction: str


def _search_form(params, query: WorkQuery | None) -> SearchForm:
    values = _raw_values(
        params,
        ("query", "title", "creators", "revised_at", "complete", "crossover", "single_chapter",
         "word_count", "language_id", "fandom_names", "character_names", "relationship_names",
         "freeform_names", "excluded_tag_names", "hits", "kudos_count", "comments_count",
         "bookmarks_count"),
    )
    if query is not None:
        values.update(
            complete=_yes_no(query.complete), crossover=_yes_no(query.crossover),
            single_chapter="1" if query.single_chapter else "", language_id=query.language,
        )
    ticked = set(query.include_ids) if query else set()
    rating = params.get(ws("rating_ids"), "") or (
        str(query.rating_ids[0]) if query and len(query.rating_ids) == 1 else ""
    )
    return SearchForm(
        values=values,
        rating=rating,
        warnings=[(pk, name, pk in ticked) for pk, name in sorted(WARNINGS.items(),
                                                                   key=lambda kv: kv[1])],
        categories=[(pk, name, pk in ticked) for pk, name in sorted(CATEGORIES.items(),
                                                                     key=lambda kv: kv[1])],
        ratings=[(pk, RATINGS[pk]) for pk in RATING_ORDER],
        languages=LANGUAGE_CHOICES,
        sort_options=list(SORT_COLUMNS.items()),
        sort_column=query.sort_column if query else "_score",
        # Blank unless asked for: each sort then goes its own natural way.
        sort_direction=params.get(ws("sort_direction"), ""),
    )


@require_GET
def works_search(request):
    """``/works/search``: the form, and with parameters, the results."""
    params = request.GET
    if not _is_search(params) or params.get("edit_search") == "true":
        query = work_query_from_params(params, search_form=True) if _is_search(params) else None
        return render(
            request,
            "discovery/search.html",
            {
                "main_class": "works-search",
                "form": _search_form(params, query),
                "errors": list(query.errors) if query else [],
                "show_results": False,
            },
        )
    query = work_query_from_params(params, search_form=True)
    results = selectors.search_works(
        viewer=request.user, query=query, page=page_number(params.get("page")),
        with_facets=False, rendered=True,
    )
    errors = list(dict.fromkeys([*query.errors, *results.query.errors]))
    default_sort = "_score" if query.has_text else "revised_at"
    filters = work_query_to_params(query, default_sort=default_sort)
    edit = [(key, value) for key, values in params.lists() if key != "page" for value in values]
    return render(
        request,
        "discovery/search.html",
        {
            "main_class": "works-search",
            "show_results": True,
            "results": results,
            "works": results.page,
            "query": query,
            "summary": _summary(request.user, query, params),
            "errors": errors,
            "notices": [n for n in dict.fromkeys(results.notices) if n not in errors],
            "form": _search_form(params, query),
            "page_path": escape_uri_path(request.path),
            "page_query": urlencode(filters),
            "edit_url": request.path + "?" + urlencode([*edit, ("edit_search", "true")]),
            **_hidden_tags(request),
        },
    )


@require_GET
def search_help(request):
    return render(request, "discovery/search_help.html", {"main_class": "help"})


@require_GET
def symbols_key(request):
    """``/help/symbols-key.html``, which every blurb's squares link to."""
    return render(request, "discovery/symbols_key.html", {"main_class": "help"})
