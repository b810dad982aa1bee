"""Reads for finding works: listings with filters and facets, and search.

``search_works`` is the one entry point. It answers a ``WorkQuery`` for a
viewer from the search index (``engine/``), which holds every posted work;
the viewer's visibility (restricted, hidden) and mutes are applied inside the
engine, so the total, the page and every facet count agree with each other
and with ``works.selectors.visibility``. The page's blurbs are then read from
the database through ``works_visible_to`` as well, so a work that changed a
moment ago is never shown to someone who may no longer see it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from django.db.models.functions import Lower
from django.utils import timezone

from chapterhouse.tags.models import Tag
from chapterhouse.works.selectors.blurbs import listing_blurbs
from chapterhouse.works.selectors.listing import PER_PAGE, Page, blurb_queryset, blurbs
from chapterhouse.works.selectors.visibility import works_visible_to

from .engine import search as engine
from .engine.index import get_index
from .query import SORT_COLUMNS, WorkQuery


@dataclass
class FacetEntry:
    tag_id: int
    name: str
    count: int


@dataclass
class Results:
    page: Page  # of works.selectors.listing.Blurb
    facets: dict[str, list[FacetEntry]]  # FACET_GROUPS keys, top 10 each by count
    query: WorkQuery
    notices: list[str] = field(default_factory=list)


def _viewer_class(viewer) -> str:
    if not getattr(viewer, "is_authenticated", False):
        return engine.GUEST
    return engine.ADMIN if getattr(viewer, "is_staff", False) else engine.MEMBER


def _mutes(viewer) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if not getattr(viewer, "is_authenticated", False):
        return (), ()
    try:
        from .mutes import mutes_of
    except ImportError:  # pragma: no cover - while muting is being built
        return (), ()
    mutes = mutes_of(viewer)
    return tuple(sorted(mutes.user_ids)), tuple(sorted(mutes.tag_ids))


def _tags_named(names: tuple[str, ...]) -> tuple[dict[str, int], list[str]]:
    """Names (any case) → the tag each is listed under (a synonym's canonical);
    and the names no tag has."""
    wanted = {name.strip().casefold(): name.strip() for name in names if name.strip()}
    if not wanted:
        return {}, []
    found: dict[str, int] = {}
    for name, pk, merger_id in (
        Tag.objects.annotate(lower=Lower("name"))
        .filter(lower__in=[name.lower() for name in wanted.values()])
        .values_list("name", "pk", "merger_id")
    ):
        found[name.casefold()] = merger_id or pk
    unknown = [typed for key, typed in wanted.items() if key not in found]
    return found, unknown


def _day_bounds(dates) -> tuple[int | None, int | None]:
    """A date range as epoch microseconds, whole days in the site's time zone."""
    low, high = dates
    zone = timezone.get_current_timezone()
    start = end = None
    if low is not None:
        start = round(dt.datetime.combine(low, dt.time.min, tzinfo=zone).timestamp() * 1e6)
    if high is not None:
        end = round(dt.datetime.combine(high, dt.time.max, tzinfo=zone).timestamp() * 1e6)
    return start, end


#: Longest text a search box may hold; longer text is cut there, with a note.
TEXT_LIMIT = 2000


#: A listing narrowed to at most this many works hands their ids to the text
#: index, which then looks at those works only.
TEXT_WITHIN_LIMIT = 20_000


def _text_matches(index, query: WorkQuery, notices: list[str], within=None, tags=(),
                  narrowing=None, scored=True):
    """(matches, excluded rows) for the query's text: the works matching it
    (``engine.TextMatches``, collected when first needed), or, for a search
    that only excludes (``NOT x``), the works to leave out — cheaper than
    asking the text index for everything else. With ``narrowing`` (the
    plan's filters in the text index's terms) the matches can also be
    ranked there, fetching only the best. ``scored=False`` when nothing will
    be sorted by score."""
    from .engine import syntax

    nodes = []
    for text, scope in ((query.query, None), (query.title, "title"),
                        (query.creators, "creators")):
        if not text or not text.strip():
            continue
        if len(text) > TEXT_LIMIT:
            notices.append(f"Searches are limited to {TEXT_LIMIT:,} characters; "
                           "the rest was left out.")
            text = text[:TEXT_LIMIT]
        node, told = syntax.parse_with_notices(text, field=scope)
        notices.extend(told)
        if node is not None:
            nodes.append(node)
    node = syntax.all_of(nodes)
    if node is None:
        return None, None
    if isinstance(node, syntax.Not):
        rows, _ = _rows_for(index, index.text.match(node.node, within=within, tags=tags,
                                                    scored=False))
        return None, rows

    def collect():
        return _rows_for(index, index.text.match(node, within=within, tags=tags,
                                                 scored=scored))

    rank = None
    if narrowing is not None and within is None:
        def rank(limit: int) -> engine.Ranked:
            total, ids, scores = index.text.top(node, narrowing, limit)
            rows, row_scores = _rows_for(index, (ids, scores))
            return engine.Ranked(
                total=total, rows=rows, scores=row_scores,
                lowest=float(scores.min()) if len(scores) else float("inf"),
                exhausted=len(ids) >= total,
            )

    return engine.TextMatches(collect, rank), None


def _narrowing(index, plan: engine.Plan):
    """The plan's filters in the text index's terms (``text.Narrowing``), or
    None when some of them are known only to the column store."""
    from .engine import text
    from .engine.columns import HIDDEN

    if (plan.user_id is not None or plan.pseud_id is not None
            or plan.collection_id is not None or plan.muted_users
            or plan.language or plan.impossible
            or any(column not in text.NUMBER_FIELDS for column in plan.ranges)):
        return None
    hide = {engine.GUEST: ("restricted", "hidden"), engine.MEMBER: ("hidden",),
            engine.ADMIN: ()}[plan.viewer_class]
    if hide and plan.viewer_id is not None:
        # She sees her own works whatever their state.
        store = index.store
        own = store.owners.rows_with(plan.viewer_id)
        if len(own) and bool((store.flags[own] & HIDDEN).any()):
            return None
    flags = tuple((name, bool(value)) for name, value in (
        ("crossover", plan.crossover), ("complete", plan.complete),
        ("single_chapter", plan.single_chapter)) if value is not None)
    return text.Narrowing(
        all_tags=tuple(plan.all_tags), any_tags=tuple(plan.any_ratings),
        no_tags=tuple(plan.exclude_tags) + tuple(plan.muted_tags), hide=hide, flags=flags,
        ranges=tuple((column, low, high) for column, (low, high) in plan.ranges.items()),
    )


def _rows_for(index, matched) -> tuple[np.ndarray, np.ndarray]:
    work_ids, scores = matched
    rows = index.store.row_of
    work_ids = np.asarray(work_ids, dtype=np.int64)
    inside = (work_ids >= 0) & (work_ids < len(rows))
    work_ids, scores = work_ids[inside], np.asarray(scores, dtype=np.float32)[inside]
    found = rows[work_ids]
    keep = found >= 0
    order = np.argsort(found[keep], kind="stable")
    return found[keep][order].astype(np.int32), scores[keep][order]


def plan_for(*, viewer, query: WorkQuery, index) -> tuple[engine.Plan, list[str]]:
    """The engine's plan for ``query`` as ``viewer`` asks it, and notices to show."""
    notices = list(query.errors)
    include, unknown_include = _tags_named(query.include_names)
    exclude, unknown_exclude = _tags_named(query.exclude_names)
    impossible = query.impossible
    for name in unknown_include:
        notices.append(f"No tag is named “{name}”, so no work can include it.")
        impossible = True
    for name in unknown_exclude:
        notices.append(f"No tag is named “{name}”; nothing was excluded for it.")
    muted_users, muted_tags = _mutes(viewer)
    ranges = {}
    for column, value in (("words", query.words), ("hits", query.hits),
                          ("kudos", query.kudos), ("comments", query.comments),
                          ("bookmarks", query.bookmarks)):
        if value != (None, None):
            ranges[column] = value
    if query.revised != (None, None):
        ranges["revised"] = _day_bounds(query.revised)
    sort_column = query.sort_column if query.sort_column in SORT_COLUMNS else "revised_at"
    plan = engine.Plan(
        viewer_class=_viewer_class(viewer),
        viewer_id=viewer.pk if getattr(viewer, "is_authenticated", False) else None,
        all_tags=tuple(dict.fromkeys(query.tag_ids + query.include_ids
                                     + tuple(include.values()))),
        any_ratings=tuple(query.rating_ids),
        exclude_tags=tuple(dict.fromkeys(query.exclude_ids + tuple(exclude.values()))),
        user_id=query.user_id,
        pseud_id=query.pseud_id,
        collection_id=query.collection_id,
        muted_users=muted_users,
        muted_tags=muted_tags,
        crossover=query.crossover,
        complete=query.complete,
        single_chapter=query.single_chapter,
        ranges=ranges,
        language=query.language,
        sort_column=sort_column,
        descending=query.sort_direction != "asc",
        impossible=impossible,
    )
    if query.has_text:
        # Narrow the text search inside Tantivy: by the listing's tags (posting
        # lists there), or by the few works of a creator's or a collection's
        # listing.
        within = None
        if not plan.all_tags and (plan.user_id or plan.pseud_id
                                  or plan.collection_id is not None):
            rows = engine.match(index.store, plan)
            if len(rows) <= TEXT_WITHIN_LIMIT:
                within = index.store.work_id[rows]
        matches, text_excluded = _text_matches(
            index, query, notices, within, tags=plan.all_tags,
            narrowing=_narrowing(index, plan), scored=plan.sort_column == "_score",
        )
        plan = replace(plan, text=matches, text_excluded=text_excluded)
    if plan.sort_column == "_score" and plan.text is None:
        plan = replace(plan, sort_column="revised_at")
    return plan, notices


@contextmanager
def _planned(*, viewer, query: WorkQuery):
    """This process's index, brought up to date, locked, with the plan of
    ``query`` for ``viewer``: ``with _planned(...) as (index, plan, notices)``."""
    index = get_index()
    index.sync()
    with index.lock:
        plan, notices = plan_for(viewer=viewer, query=query, index=index)
        yield index, plan, notices


def search_works(*, viewer, query: WorkQuery, page=1, with_facets: bool = True,
                 rendered: bool = False) -> Results:
    """One page of 20 blurbs answering ``query`` for ``viewer``, with the facet
    counts of everything that matched (see the module docstring). ``rendered``
    (HTML pages): the blurbs come from ``works.selectors.blurbs``, mostly as
    cached HTML, instead of as model instances."""
    from chapterhouse.works.selectors.listing import page_number

    with _planned(viewer=viewer, query=query) as (index, plan, notices):
        wanted = page_number(page)
        outcome = engine.execute(
            index.store, plan, tag_group=index.groups.array, cache=index.cache,
            page=wanted, per_page=PER_PAGE, with_facets=with_facets,
        )
    if outcome.page < wanted and outcome.total:
        notices.append(
            f"There are only {outcome.page:,} pages of results; this is the last one."
        )
    if rendered:
        items = listing_blurbs(viewer=viewer, work_ids=outcome.work_ids)
    else:
        works = works_visible_to(viewer).filter(posted=True, pk__in=outcome.work_ids)
        by_id = {work.pk: work for work in blurb_queryset(works)}
        items = blurbs([by_id[pk] for pk in outcome.work_ids if pk in by_id])
    num_pages = max(1, -(-outcome.total // PER_PAGE))
    result_page = Page(items=items, number=outcome.page, num_pages=num_pages,
                       total=outcome.total)
    facets: dict[str, list[FacetEntry]] = {}
    if with_facets:
        ids = {tag_id for entries in outcome.facets.values() for tag_id, _ in entries}
        with index.lock:
            names = index.tag_names(ids)
        facets = {
            group: [FacetEntry(tag_id, names.get(tag_id, ""), count)
                    for tag_id, count in entries]
            for group, entries in outcome.facets.items()
        }
    return Results(page=result_page, facets=facets, query=query, notices=notices)


def matching_work_ids(*, viewer, query: WorkQuery, limit: int = PER_PAGE) -> list[int]:
    """The first ``limit`` work ids answering ``query`` in its order (feeds,
    notifications); no facets, no blurbs."""
    with _planned(viewer=viewer, query=query) as (index, plan, _):
        outcome = engine.execute(
            index.store, plan, tag_group=index.groups.array, cache=None,
            page=1, per_page=limit, with_facets=False,
        )
    return outcome.work_ids


def work_matches(*, viewer, query: WorkQuery, work_id: int) -> bool:
    """Whether the work is among the results of ``query`` for ``viewer``."""
    with _planned(viewer=viewer, query=query) as (index, plan, _):
        rows = engine.match(index.store, plan)
        row = index.store.row_of[work_id] if work_id < len(index.store.row_of) else -1
        return bool(row >= 0 and np.isin(row, rows))
