"""Answering a resolved query over the column store: match, count, facet, sort.

A ``Plan`` is a ``WorkQuery`` with everything the database knows already
looked up (tag names → ids, the viewer's class and mutes, text matches).
``execute`` returns the total, one page of work ids in order, and the facet
counts — all from the same set of matched rows, so they always agree.

Facets of a tag's plain listing (no filter but the tag) are kept ready in
``FacetCache`` and updated as works change, instead of being counted per
request; a reader's mutes are subtracted from them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..query import FACET_GROUPS
from .columns import ANONYMOUS, COMPLETE, CROSSOVER, HIDDEN, RESTRICTED, SINGLE, RowInfo, Store

GUEST, MEMBER, ADMIN = "guest", "member", "admin"
#: Flags that hide a row from each class of viewer.
_HIDDEN_FROM = {GUEST: RESTRICTED | HIDDEN, MEMBER: HIDDEN, ADMIN: 0}
GROUP_NAMES = list(FACET_GROUPS)  # group code i+1 is GROUP_NAMES[i]
TOP = 10
#: How many best matches a page ranked by best match asks for first.
RANKED_FIRST_FETCH = 1000

_SORT_COLUMNS = {
    "revised_at": "revised", "created_at": "published", "word_count": "words",
    "hits": "hits", "kudos_count": "kudos", "comments_count": "comments",
    "bookmarks_count": "bookmarks",
}


@dataclass(eq=False)
class Ranked:
    """The best-scored works of a text search, from the text index."""

    total: int  # how many match in all (the listing's total)
    rows: np.ndarray  # the matches fetched that are rows here, sorted
    scores: np.ndarray  # aligned with rows
    lowest: float  # the lowest score fetched: no match left behind scores higher
    exhausted: bool  # every match was fetched


class TextMatches:
    """The text part of a plan: the rows matching a search and their scores,
    collected only when first needed. ``rank(k)``, when given, fetches just
    the ``k`` best (``Ranked``); the engine uses it for a page ranked by best
    match without facet counts, where collecting every match would cost more
    than everything else together."""

    def __init__(self, collect: Callable[[], tuple[np.ndarray, np.ndarray]],
                 rank: Callable[[int], Ranked] | None = None) -> None:
        self._collect = collect
        self.rank = rank
        self._found: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, rows: np.ndarray, scores: np.ndarray) -> TextMatches:
        matches = cls(lambda: (rows, scores))
        matches._found = (rows, scores)
        return matches

    def _get(self) -> tuple[np.ndarray, np.ndarray]:
        if self._found is None:
            self._found = self._collect()
        return self._found

    @property
    def rows(self) -> np.ndarray:
        """The matching rows, sorted."""
        return self._get()[0]

    @property
    def scores(self) -> np.ndarray:
        """Their scores (BM25), aligned with ``rows``."""
        return self._get()[1]


@dataclass
class Plan:
    viewer_class: str = GUEST
    viewer_id: int | None = None  # a signed-in viewer sees her own works in every state
    all_tags: tuple[int, ...] = ()  # every one must be there
    any_ratings: tuple[int, ...] = ()  # one of them
    exclude_tags: tuple[int, ...] = ()
    user_id: int | None = None
    pseud_id: int | None = None
    collection_id: int | None = None  # approved in this collection
    muted_users: tuple[int, ...] = ()
    muted_tags: tuple[int, ...] = ()
    crossover: bool | None = None
    complete: bool | None = None
    single_chapter: bool | None = None
    ranges: dict = field(default_factory=dict)  # column → (low, high)
    language: str = ""
    text: TextMatches | None = None  # rows matching the text, when there is text
    text_excluded: np.ndarray | None = None  # rows a text search of only NOTs leaves out
    sort_column: str = "revised_at"
    descending: bool = True
    impossible: bool = False  # e.g. an unknown tag name was required

    @property
    def text_rows(self) -> np.ndarray | None:
        return None if self.text is None else self.text.rows

    @property
    def text_scores(self) -> np.ndarray | None:
        return None if self.text is None else self.text.scores

    def with_no_columns(self) -> Plan:
        """This plan without the per-row column tests (already applied)."""
        return replace(self, crossover=None, complete=None, single_chapter=None, ranges={},
                       language="")

    @property
    def plain_listing_tag(self) -> int | None:
        """The tag, when this is a tag's listing with nothing else narrowing it."""
        narrowed = (
            self.any_ratings or self.exclude_tags or self.user_id or self.pseud_id
            or self.crossover is not None or self.complete is not None
            or self.single_chapter is not None or self.ranges or self.language
            or self.text is not None or self.text_excluded is not None
            or self.collection_id is not None or self.impossible
        )
        if len(self.all_tags) == 1 and not narrowed and self.viewer_class != ADMIN:
            return self.all_tags[0]
        return None

    def for_class(self) -> Plan:
        """The same plan for any viewer of this class (no mutes, no own works)."""
        return Plan(viewer_class=self.viewer_class, all_tags=self.all_tags)


@dataclass
class Outcome:
    total: int
    page: int  # the page number answered, clamped into 1…last
    work_ids: list[int]
    facets: dict[str, list[tuple[int, int]]]  # group → [(tag id, count)]


def _membership(store: Store, rows: np.ndarray) -> np.ndarray:
    mask = np.zeros(store.n, dtype=bool)
    mask[rows] = True
    return mask


def match(store: Store, plan: Plan) -> np.ndarray:
    """The live rows the plan matches, for this viewer, mutes applied."""
    if plan.impossible or store.n == 0:
        return np.zeros(0, dtype=np.int32)
    # Start from the smallest set we can name (posting lists are sorted rows),
    # then narrow it; with nothing to start from, scan whole columns at once.
    starts: list[np.ndarray] = []
    for tag in plan.all_tags:
        starts.append(store.tags.rows_with(tag))
    if plan.user_id is not None:
        # Her own listing, to herself, includes her anonymous works.
        credits = store.owners if plan.user_id == plan.viewer_id else store.users
        starts.append(credits.rows_with(plan.user_id))
    if plan.pseud_id is not None:
        starts.append(store.pseuds.rows_with(plan.pseud_id))
    if plan.collection_id is not None:
        starts.append(store.collections.rows_with(plan.collection_id))
    if plan.text_rows is not None:
        starts.append(plan.text_rows)
    hidden = _HIDDEN_FROM[plan.viewer_class]
    if not starts:
        return _scan(store, plan, hidden)
    starts.sort(key=len)
    rows = starts[0]
    for other in starts[1:]:
        rows = rows[_membership(store, other)[rows]]
    rows = rows[store.alive[rows]]
    if hidden:
        shown = (store.flags[rows] & hidden) == 0
        own = _own_rows(store, plan)
        if own is not None:
            shown |= _membership(store, own)[rows]
        rows = rows[shown]
    return _narrow(store, plan, rows)


def _own_rows(store: Store, plan: Plan) -> np.ndarray | None:
    """The viewer's own works, when she is signed in and has any."""
    if plan.viewer_id is None:
        return None
    own = store.owners.rows_with(plan.viewer_id)
    return own if len(own) else None


def _scan(store: Store, plan: Plan, hidden: int) -> np.ndarray:
    n = store.n
    keep = store.alive[:n].copy()
    flags = store.flags[:n]
    if hidden:
        shown = (flags & hidden) == 0
        own = _own_rows(store, plan)
        if own is not None:
            shown[own] = True
        keep &= shown
    for flag, wanted in (
        (CROSSOVER, plan.crossover), (COMPLETE, plan.complete), (SINGLE, plan.single_chapter)
    ):
        if wanted is not None:
            keep &= ((flags & flag) != 0) == wanted
    for column, (low, high) in plan.ranges.items():
        values = getattr(store, column)[:n]
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
    if plan.language:
        code = store._language_index.get(plan.language)
        if code is None:
            return np.zeros(0, dtype=np.int32)
        keep &= store.lang[:n] == code
    rows = np.flatnonzero(keep).astype(np.int32)
    return _narrow(store, plan.with_no_columns(), rows)


def _holding(multi, rows: np.ndarray, values) -> np.ndarray:
    """For each of ``rows``, whether it holds any of ``values``. Reads the rows'
    own values when they are few, else marks the values' rows in a mask."""
    values = np.asarray(values, dtype=np.int32)
    lengths = multi.off[rows + 1] - multi.off[rows]
    if int(lengths.sum()) > 4_000_000:
        mask = np.zeros(len(multi.off), dtype=bool)
        for value in values:
            mask[multi.rows_with(int(value))] = True
        return mask[rows]
    held = np.isin(multi.gather(rows), values)
    owner = np.repeat(np.arange(len(rows)), lengths)
    return np.bincount(owner[held], minlength=len(rows)) > 0


def _narrow(store: Store, plan: Plan, rows: np.ndarray) -> np.ndarray:
    if plan.any_ratings and len(rows):
        rows = rows[_holding(store.tags, rows, plan.any_ratings)]
    unwanted = plan.exclude_tags + plan.muted_tags
    if unwanted and len(rows):
        rows = rows[~_holding(store.tags, rows, unwanted)]
    if plan.text_excluded is not None and len(rows):
        rows = rows[~_membership(store, plan.text_excluded)[rows]]
    if plan.muted_users and len(rows):
        # Anonymous works carry no creators, so a mute never reveals one.
        rows = rows[~_holding(store.users, rows, plan.muted_users)]
    for flag, wanted in (
        (CROSSOVER, plan.crossover), (COMPLETE, plan.complete), (SINGLE, plan.single_chapter)
    ):
        if wanted is not None:
            has = (store.flags[rows] & flag) != 0
            rows = rows[has if wanted else ~has]
    for column, (low, high) in plan.ranges.items():
        values = getattr(store, column)[rows]
        keep = np.ones(len(rows), dtype=bool)
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
        rows = rows[keep]
    if plan.language:
        code = store._language_index.get(plan.language)
        rows = rows[store.lang[rows] == code] if code is not None else rows[:0]
    return rows


def counts_of(store: Store, rows: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The tag ids ``rows`` are listed under (sorted), and how many of them each."""
    values = store.tags.gather(rows)
    if len(values) < 200_000:
        keys, counts = np.unique(values, return_counts=True)
        return keys.astype(np.int32), counts.astype(np.int64)
    counts = np.bincount(values, minlength=size)
    keys = np.flatnonzero(counts)
    return keys.astype(np.int32), counts[keys].astype(np.int64)


def top_facets(keys: np.ndarray, counts: np.ndarray, tag_group: np.ndarray):
    """The top 10 of each facet group, by count, then by tag id."""
    result: dict[str, list[tuple[int, int]]] = {}
    present = counts > 0
    keys, counts = keys[present], counts[present]
    inside = keys < len(tag_group)
    groups = np.zeros(len(keys), dtype=np.uint8)
    groups[inside] = tag_group[keys[inside]]
    for code, name in enumerate(GROUP_NAMES, start=1):
        sel = np.flatnonzero(groups == code)
        if len(sel) > TOP:
            tenth = np.partition(counts[sel], len(sel) - TOP)[len(sel) - TOP]
            sel = sel[counts[sel] >= tenth]
        order = np.lexsort((keys[sel], -counts[sel]))[:TOP]
        result[name] = [(int(keys[sel][i]), int(counts[sel][i])) for i in order]
    return result


def _sort_page(store: Store, rows: np.ndarray, plan: Plan, offset: int, limit: int) -> list[int]:
    if len(rows) == 0 or offset >= len(rows):
        return []
    want = offset + limit
    desc = plan.descending
    if plan.sort_column in ("title_to_sort_on", "authors_to_sort_on", "_score"):
        return _sort_page_general(store, rows, plan, offset, want)
    # A number column: keep only the rows that can be on this page (all ties
    # at the page's last value included), found by one partition of the
    # column's values, before anything else is gathered or negated. A big
    # tag's first page touches its matches' values once.
    key = getattr(store, _SORT_COLUMNS.get(plan.sort_column, "revised"))[rows]
    if len(rows) > 4 * want:
        if desc:
            at = len(key) - want
            bound = np.partition(key, at)[at]
            keep = key >= bound
        else:
            bound = np.partition(key, want - 1)[want - 1]
            keep = key <= bound
        rows, key = rows[keep], key[keep]
    key = key.astype(np.int64)
    ids = store.work_id[rows].astype(np.int64)
    order = np.lexsort((-ids, -key) if desc else (ids, key))
    return [int(x) for x in ids[order[offset:want]]]


def _sort_page_general(store: Store, rows: np.ndarray, plan: Plan, offset: int,
                       want: int) -> list[int]:
    """``_sort_page`` by title, creator or text score."""
    ids = store.work_id[rows]
    desc = plan.descending
    second = None  # orders texts added since the snapshot (SortKey.order)
    if plan.sort_column in ("title_to_sort_on", "authors_to_sort_on"):
        keys = store.title_key if plan.sort_column == "title_to_sort_on" else store.creator_key
        key, second = keys.order(rows)
    elif plan.text_scores is not None:
        score_by_row = np.zeros(store.n, dtype=np.float32)
        score_by_row[plan.text_rows] = plan.text_scores
        key = score_by_row[rows].astype(np.float64)
    else:
        key = store.revised[rows].astype(np.int64)
    if desc:
        key = -key
        tiebreak = -ids
        if second is not None:
            second = -second
    else:
        tiebreak = ids
    if len(rows) > 4 * want:
        # Keep only the rows that can be on this page, then sort those.
        bound = np.partition(key, want - 1)[want - 1]
        keep = key <= bound
        key, tiebreak, ids = key[keep], tiebreak[keep], ids[keep]
        if second is not None:
            second = second[keep]
    order = np.lexsort((tiebreak, key) if second is None else (tiebreak, second, key))
    return [int(x) for x in ids[order[offset:want]]]


def _ranked_page(store: Store, plan: Plan, page: int, per_page: int) -> Outcome:
    """A page of a search ranked by best match, without facet counts, from
    the text index's best few: its count is the total, and the page is the
    same as sorting every match would give (by score, then by work id, both
    descending). Each fetched row is tested by the column engine as well, and
    more are fetched while the page could still change: when too few pass,
    or when works scored like the last one on the page may not all be in."""
    # The first fetch also learns the total; a page past the end is then
    # clamped to the last one before asking for more.
    fetch = min(max(page, 1) * per_page + per_page, RANKED_FIRST_FETCH)
    while True:
        ranked = plan.text.rank(fetch)
        last = max(1, -(-ranked.total // per_page))
        page = min(max(1, page), last)
        offset, want = (page - 1) * per_page, page * per_page
        kept = match(store, replace(plan, text=TextMatches.of(ranked.rows, ranked.scores)))
        scores = ranked.scores[np.searchsorted(ranked.rows, kept)].astype(np.float64)
        ids = store.work_id[kept].astype(np.int64)
        order = np.lexsort((-ids, -scores))
        complete = len(kept) >= want and scores[order[want - 1]] > ranked.lowest
        if ranked.exhausted or complete:
            work_ids = [int(x) for x in ids[order[offset:want]]]
            return Outcome(total=ranked.total, page=page, work_ids=work_ids, facets={})
        fetch = min(max(fetch * 4, want + per_page), max(ranked.total, 1))


def visible_to_class(flags: int, viewer_class: str) -> bool:
    return (flags & _HIDDEN_FROM[viewer_class]) == 0


class FacetCache:
    """Ready facet counts for tags' plain listings, per viewer class, kept
    current as works change (``on_change`` listens to the store)."""

    def __init__(self, store: Store, capacity: int = 256, min_rows: int = 2000) -> None:
        self.store = store
        self.capacity = capacity
        self.min_rows = min_rows  # smaller listings are counted per request
        self.entries: OrderedDict[tuple[int, str], dict] = OrderedDict()
        store.listeners.append(self.on_change)

    def on_change(self, info: RowInfo, delta: int) -> None:
        if not self.entries:
            return
        tags = info.tags
        for tag in tags:
            for viewer_class in (GUEST, MEMBER):
                entry = self.entries.get((int(tag), viewer_class))
                if entry is None or not visible_to_class(info.flags, viewer_class):
                    continue
                where = np.searchsorted(entry["keys"], tags)
                where = np.minimum(where, len(entry["keys"]) - 1)
                if len(entry["keys"]) == 0 or not np.array_equal(entry["keys"][where], tags):
                    del self.entries[(int(tag), viewer_class)]  # a new tag: count afresh
                    continue
                entry["counts"][where] += delta
                entry["total"] += delta
                entry["top"] = None

    def get(self, tag: int, viewer_class: str, rows: np.ndarray, size: int) -> dict | None:
        key = (tag, viewer_class)
        entry = self.entries.get(key)
        if entry is not None:
            self.entries.move_to_end(key)
            return entry
        if len(rows) < self.min_rows:
            return None
        keys, counts = counts_of(self.store, rows, size)
        entry = {"keys": keys, "counts": counts, "total": len(rows), "top": None}
        self.entries[key] = entry
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)
        return entry


def execute(
    store: Store, plan: Plan, *, tag_group: np.ndarray, cache: FacetCache | None,
    page: int, per_page: int, with_facets: bool,
) -> Outcome:
    if (plan.sort_column == "_score" and not with_facets and plan.text is not None
            and plan.text.rank is not None):
        return _ranked_page(store, plan, page, per_page)
    rows = match(store, plan)
    last = max(1, -(-len(rows) // per_page))
    page = min(max(1, page), last)
    work_ids = _sort_page(store, rows, plan, (page - 1) * per_page, per_page)
    facets: dict[str, list[tuple[int, int]]] = {}
    if with_facets:
        size = max(len(tag_group), 1)
        listing_tag = plan.plain_listing_tag
        entry = None
        if listing_tag is not None and cache is not None:
            # A guest's plan is already the class's plan. For a signed-in
            # reader, match the class's rows too: her mutes are subtracted from
            # their ready counts, but her own works beyond the class's view
            # make the sets differ the other way, and then the cache is not used.
            personal = plan.muted_tags or plan.muted_users or plan.viewer_id is not None
            unmuted = match(store, plan.for_class()) if personal else rows
            if personal and not np.isin(rows, unmuted, assume_unique=True).all():
                unmuted = None
            if unmuted is not None:
                entry = cache.get(listing_tag, plan.viewer_class, unmuted, size)
                if entry is not None and entry["total"] != len(unmuted):
                    entry = None  # out of step: count this one afresh
        if entry is not None:
            if len(unmuted) != len(rows):
                muted_rows = np.setdiff1d(unmuted, rows, assume_unique=True)
                counts = entry["counts"].copy()
                gone_keys, gone_counts = counts_of(store, muted_rows, size)
                counts[np.searchsorted(entry["keys"], gone_keys)] -= gone_counts
                facets = top_facets(entry["keys"], counts, tag_group)
            else:
                if entry["top"] is None:
                    entry["top"] = top_facets(entry["keys"], entry["counts"], tag_group)
                facets = entry["top"]
        else:
            keys, counts = counts_of(store, rows, size)
            facets = top_facets(keys, counts, tag_group)
    return Outcome(total=int(len(rows)), page=page, work_ids=work_ids, facets=facets)


__all__ = ["ADMIN", "ANONYMOUS", "GUEST", "MEMBER", "FacetCache", "Outcome", "Plan", "execute",
           "match"]
