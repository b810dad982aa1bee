"""Gift-exchange matching: who writes for whom.

A pure module over plain data (no database, no Django), so the collections
app can call it from a background task and the benchmark can call it
directly. See docs/exchange-matching.md for the model and its guarantees.

Each sign-up gives at most one gift and receives at most one. Giver ``i`` may
write for recipient ``j`` (``i != j``) when one of ``i``'s offers matches one
of ``j``'s requests under the exchange's settings. Among all assignments we
return one that

1. matches the largest possible number of pairs, then
2. has the largest total quality (shared tags of the required types first,
   then shared tags of the other types), then
3. has as few mutual pairs (two people writing for each other) as a
   quality-preserving repair can reach (see ``_break_mutual_pairs``).

Steps 1 and 2 are one exact assignment problem solved by SciPy's sparse
minimum-weight full bipartite matching (LAPJVsp) on a graph that only holds
pairs that can match (the candidate graph).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

ALL = -1
"""A required count meaning "every tag of this type that the request names"."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stages: candidates, solve, mutual, explain."""


@dataclass(frozen=True)
class Prompt:
    """One request or offer: tags by type (``{"fandom": {...}, "character": {...}}``)
    and the types for which it says "any"."""

    tags: Mapping[str, frozenset] = field(default_factory=dict)
    any: frozenset[str] = frozenset()

    @classmethod
    def of(cls, any: Sequence[str] = (), **tags: Sequence[Hashable]) -> Prompt:  # noqa: A002
        return cls(tags={t: frozenset(v) for t, v in tags.items()}, any=frozenset(any))


@dataclass(frozen=True)
class SignUp:
    id: Hashable
    requests: Sequence[Prompt]
    offers: Sequence[Prompt]


@dataclass(frozen=True)
class MatchSettings:
    """Which tag types must match and how many tags of each (``ALL``: all the
    request's tags of that type). Types not named here are optional: they only
    add to the quality of a match.

    A request that names no tag of a required type, or a prompt that says "any"
    for it, satisfies that type (as on AO3); so does an offer that has all the
    request's tags of the type when the request names fewer than the count.
    """

    required: Mapping[str, int] = field(default_factory=lambda: {"fandom": 1})


@dataclass(frozen=True)
class Quality:
    required: int  # shared tags of the required types
    optional: int  # shared tags of the other types


@dataclass(frozen=True)
class Unmatched:
    """A sign-up left without a giver (``role="recipient"``) or without a
    recipient (``role="giver"``), and why.

    ``reason`` is one of

    - ``"only_self"``: the only match is with her own sign-up;
    - ``"no_candidates"``: no one else can give to her (or receive from her);
    - ``"outnumbered"``: ``group`` (she and others) can only be served by
      ``partners``, who are fewer; every maximum assignment leaves
      ``len(group) - len(partners)`` of the group out. ``partners`` are
      givers when ``role="recipient"`` and recipients when ``role="giver"``;
      ``candidates`` are her own possible partners (all taken by the group).
    """

    id: Hashable
    role: str
    reason: str
    group: tuple = ()
    partners: tuple = ()
    candidates: tuple = ()

    def describe(self) -> str:
        if self.role == "recipient":
            if self.reason == "only_self":
                return "only her own offers match what she requests"
            if self.reason == "no_candidates":
                return "no one offers anything that matches her requests"
            return (
                f"the {len(self.candidates)} who offer what she requests are all "
                f"needed: she and {len(self.group) - 1} others request what only "
                f"{len(self.partners)} sign-ups offer"
            )
        if self.reason == "only_self":
            return "only her own requests match what she offers"
        if self.reason == "no_candidates":
            return "no one requests anything that matches her offers"
        return (
            f"the {len(self.candidates)} who request what she offers are all "
            f"taken: she and {len(self.group) - 1} others offer what only "
            f"{len(self.partners)} sign-ups request"
        )


@dataclass
class MatchResult:
    assignments: dict  # giver id -> recipient id
    quality: dict  # (giver id, recipient id) -> Quality
    unmatched: list[Unmatched]
    mutual_pairs: list[tuple]  # (a, b) with a giving to b and b to a; a before b in sign-up order
    candidate_pairs: int  # edges of the candidate graph
    # mutual pairs that every assignment of maximum count and quality contains
    unavoidable_mutual_pairs: list[tuple] = field(default_factory=list)

    @property
    def total_quality(self) -> Quality:
        return Quality(
            sum(q.required for q in self.quality.values()),
            sum(q.optional for q in self.quality.values()),
        )

    def without_giver(self) -> list[Unmatched]:
        return [u for u in self.unmatched if u.role == "recipient"]

    def without_recipient(self) -> list[Unmatched]:
        return [u for u in self.unmatched if u.role == "giver"]


# ---------------------------------------------------------------------------
# The candidate graph


@dataclass
class CandidateGraph:
    """Who can give to whom, as parallel arrays over sign-up indexes, with the
    score ``required * weight + optional`` of the pair's best prompt pair;
    ``weight`` exceeds any total of optional tags, so summed scores compare
    as (total required, total optional)."""

    n: int
    giver: np.ndarray
    recipient: np.ndarray
    score: np.ndarray
    weight: int
    self_match: np.ndarray  # bool per sign-up: one of her offers matches one of her requests

    def quality(self, score: int) -> Quality:
        return Quality(*divmod(int(score), self.weight))


def _tag_entries(prompts: list[Prompt], types: Sequence[str], vocab: dict) -> tuple[list, list]:
    rows, cols = [], []
    for row, prompt in enumerate(prompts):
        for t in types:
            for tag in prompt.tags.get(t, ()):
                rows.append(row)
                cols.append(vocab.setdefault((t, tag), len(vocab)))
    return rows, cols


def _pair_matrices(offers, requests, types):
    """Offer-by-tag and request-by-tag 0/1 matrices over one shared vocabulary."""
    vocab: dict = {}
    o_rows, o_cols = _tag_entries(offers, types, vocab)
    r_rows, r_cols = _tag_entries(requests, types, vocab)
    width = max(len(vocab), 1)
    o = sparse.csr_matrix(
        (np.ones(len(o_rows), np.int32), (o_rows, o_cols)), shape=(len(offers), width)
    )
    r = sparse.csr_matrix(
        (np.ones(len(r_rows), np.int32), (r_rows, r_cols)), shape=(len(requests), width)
    )
    shared = (o @ r.T).tocsr()
    shared.sort_indices()
    return o, r, shared


def _lookup(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(matrix[rows, cols]).ravel().astype(np.int64)


def candidate_graph(
    signups: Sequence[SignUp],
    settings: MatchSettings,
    progress: Progress | None = None,
    chunk: int = 1_000_000,
) -> CandidateGraph:
    """Every (giver, recipient) pair that may be matched, with its best score.

    Cost: the prompt pairs that share a tag of the first required type (found
    by a sparse product, never by looking at all pairs), plus, for prompts
    where that type is open ("any", or a request naming none of it), one edge
    to every sign-up on the other side. With one required type those open
    edges cost nothing to check; with several, each open prompt is checked
    against every prompt on the other side.
    """
    n = len(signups)
    offers, offer_owner, requests, request_owner = [], [], [], []
    for i, s in enumerate(signups):
        offers.extend(s.offers)
        offer_owner.extend([i] * len(s.offers))
        requests.extend(s.requests)
        request_owner.extend([i] * len(s.requests))
    offer_owner = np.asarray(offer_owner, dtype=np.int64)
    request_owner = np.asarray(request_owner, dtype=np.int64)
    required = {t: k for t, k in settings.required.items() if k != 0}
    all_types = sorted({t for p in offers + requests for t in p.tags} | set(required))
    req_types = [t for t in all_types if t in required]
    opt_types = [t for t in all_types if t not in required]

    _, _, shared_req = _pair_matrices(offers, requests, req_types)
    opt_o, _, shared_opt = _pair_matrices(offers, requests, opt_types)
    weight = 1 + (int(np.diff(opt_o.indptr).max()) if len(offers) else 0)
    score_matrix = (shared_req * weight + shared_opt).tocsr()
    score_matrix.sort_indices()

    by_type, any_off, any_req, req_size = {}, {}, {}, {}
    for t in req_types:
        _, r_t, by_type[t] = _pair_matrices(offers, requests, [t])
        any_off[t] = np.array([t in p.any for p in offers], dtype=bool)
        any_req[t] = np.array([t in p.any for p in requests], dtype=bool)
        req_size[t] = np.diff(r_t.indptr).astype(np.int64)

    keys_parts: list[np.ndarray] = []
    score_parts: list[np.ndarray] = []
    self_match = np.zeros(n, dtype=bool)

    def keep(g: np.ndarray, rcp: np.ndarray, score: np.ndarray) -> None:
        mine = g == rcp
        self_match[g[mine]] = True
        keys_parts.append(g[~mine] * n + rcp[~mine])
        score_parts.append(score[~mine])

    def check(o_idx: np.ndarray, r_idx: np.ndarray) -> None:
        """Keep the prompt pairs that meet every required type."""
        ok = np.ones(len(o_idx), dtype=bool)
        for t, k in required.items():
            shared = _lookup(by_type[t], o_idx, r_idx)
            asked = req_size[t][r_idx]
            good = any_off[t][o_idx] | any_req[t][r_idx] | (asked == 0) | (shared == asked)
            if k != ALL:
                good |= shared >= k
            ok &= good
        o_idx, r_idx = o_idx[ok], r_idx[ok]
        keep(offer_owner[o_idx], request_owner[r_idx], _lookup(score_matrix, o_idx, r_idx))

    if progress:
        progress("candidates", 0, 3)
    if req_types:
        index = req_types[0]
        open_o = any_off[index]
        open_r = any_req[index] | (req_size[index] == 0)
        coo = by_type[index].tocoo()
        closed = ~open_o[coo.row] & ~open_r[coo.col]
        rows, cols = coo.row[closed].astype(np.int64), coo.col[closed].astype(np.int64)
        for start in range(0, len(rows), chunk):
            check(rows[start : start + chunk], cols[start : start + chunk])
    else:  # nothing is required: every offer is open
        open_o = np.ones(len(offers), dtype=bool)
        open_r = np.zeros(len(requests), dtype=bool)
    if progress:
        progress("candidates", 1, 3)

    everyone = np.arange(n, dtype=np.int64)
    o_open, r_open = np.flatnonzero(open_o), np.flatnonzero(open_r)
    if len(required) <= 1:
        # Only the index type is required and it is open: these pairs all
        # match. One edge per (owner, sign-up), scored 0 unless tags are shared.
        for owner in np.unique(offer_owner[o_open]):
            keep(np.full(n, owner), everyone, np.zeros(n, np.int64))
        for owner in np.unique(request_owner[r_open]):
            keep(everyone, np.full(n, owner), np.zeros(n, np.int64))
        sub = score_matrix[o_open].tocoo()
        keep(offer_owner[o_open[sub.row]], request_owner[sub.col], sub.data.astype(np.int64))
        sub = score_matrix[:, r_open].tocoo()
        keep(offer_owner[sub.row], request_owner[r_open[sub.col]], sub.data.astype(np.int64))
    else:
        all_r = np.arange(len(requests), dtype=np.int64)
        closed_o = np.flatnonzero(~open_o)
        per = max(1, chunk // max(len(requests), 1))
        for start in range(0, len(o_open), per):
            group = o_open[start : start + per]
            check(np.repeat(group, len(all_r)), np.tile(all_r, len(group)))
        per = max(1, chunk // max(len(closed_o), 1))
        for start in range(0, len(r_open), per):
            group = r_open[start : start + per]
            check(np.tile(closed_o, len(group)), np.repeat(group, len(closed_o)))
    if progress:
        progress("candidates", 2, 3)

    keys = np.concatenate(keys_parts) if keys_parts else np.zeros(0, np.int64)
    scores = np.concatenate(score_parts) if score_parts else np.zeros(0, np.int64)
    order = np.lexsort((scores, keys))
    keys, scores = keys[order], scores[order]
    last = np.ones(len(keys), dtype=bool)
    last[:-1] = keys[1:] != keys[:-1]  # each pair's highest score sorts last
    keys, scores = keys[last], scores[last]
    # Re-weigh so that the required tags come first in the *total*, not only
    # pair by pair: one more required tag anywhere outweighs all optional ones.
    req, opt = np.divmod(scores, weight)
    weight = 1 + n * (int(opt.max()) if len(opt) else 0)
    if progress:
        progress("candidates", 3, 3)
    return CandidateGraph(n, keys // n, keys % n, req * weight + opt, weight, self_match)


# ---------------------------------------------------------------------------
# The assignment


def _doubled(graph: CandidateGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The assignment problem on a graph twice the size, as (rows, cols, cost).

    Rows are givers: ``i``, or the dummy ``n + j`` meaning "``j`` gets no
    gift". Columns are recipients: ``j``, or the dummy ``n + i`` meaning
    "``i`` gives no gift". The dummies pair up along the candidate edges
    reversed, so every partial assignment extends to a perfect matching.
    Leaving someone out costs more than all the scores together, so a
    minimum-cost perfect matching matches as many pairs as possible and,
    among those, has the largest total score. Costs are positive integers.
    """
    n, g, r, s = graph.n, graph.giver, graph.recipient, graph.score
    top = int(s.max()) + 1 if len(s) else 1
    penalty = (n * top + top + 2) // 2 + 1
    idx = np.arange(n, dtype=np.int64)
    rows = np.concatenate([g, idx, n + idx, n + r])
    cols = np.concatenate([r, n + idx, idx, n + g])
    cost = np.concatenate([top - s, np.full(2 * n, penalty, np.int64), np.ones(len(g), np.int64)])
    return rows, cols, cost


def _solve(graph: CandidateGraph, doubled) -> np.ndarray:
    """``col_of[row]`` for all ``2n`` rows of the doubled problem."""
    n = graph.n
    rows, cols, cost = doubled
    matrix = sparse.csr_matrix((cost.astype(np.float64), (rows, cols)), shape=(2 * n, 2 * n))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    col_of = np.empty(2 * n, dtype=np.int64)
    col_of[row_ind] = col_ind
    return col_of


# ---------------------------------------------------------------------------
# Mutual pairs


class _Optimal:
    """The solved doubled problem with dual prices that prove it optimal.

    An edge is *tight* when its reduced cost ``cost - row_price - col_price``
    is 0. Every optimal assignment uses tight edges only, and every perfect
    matching of tight edges is optimal (complementary slackness). So moving
    recipients around a cycle of tight edges keeps the number matched and
    the total quality exactly; and an edge that no such cycle can remove is
    in every optimal assignment.
    """

    def __init__(self, n: int, doubled, col_of: np.ndarray):
        self.n = n
        rows, cols, cost = doubled
        n2 = 2 * n
        self.col_of = col_of.copy()
        self.row_of = np.empty(n2, dtype=np.int64)
        self.row_of[col_of] = np.arange(n2)
        # The cost each row pays now.
        keys = rows * n2 + cols
        order = np.argsort(keys)
        pos = order[np.searchsorted(keys[order], np.arange(n2) * n2 + col_of)]
        own = cost[pos]
        # Exchange graph over rows: u -> v when u may take v's column, weighed
        # by the change in cost. No negative cycle exists (the matching is
        # optimal), so shortest distances from a virtual source are prices.
        v = self.row_of[cols]
        arc = rows != v
        pot = _shortest_from_everywhere(n2, rows[arc], v[arc], cost[arc] - own[v[arc]])
        # Prices: row u pays -pot[u]; column c (held by v) pays own[v] + pot[v].
        col_price = np.empty(n2, dtype=np.int64)
        col_price[col_of] = own + pot
        reduced = cost + pot[rows] - col_price[cols]
        tight = reduced == 0
        self.tight = sparse.csr_matrix(
            (np.ones(int(tight.sum()), np.int8), (rows[tight], cols[tight])), shape=(n2, n2)
        )

    def gives_to(self, row: int) -> int:
        c = int(self.col_of[row])
        return c if c < self.n and row < self.n else -1

    def cycles_off(self, a: int, avoid_mutual: bool):
        """Tight exchange cycles moving ``a`` off her column, shortest first:
        ``a`` takes the column of the second row, which takes the third's, ...,
        and the last takes ``a``'s. One cycle per row that can take ``a``'s
        column, along the breadth-first tree. With ``avoid_mutual``, no row
        takes the column of someone who gives to it."""
        target = int(self.col_of[a])
        indptr, indices = self.tight.indptr, self.tight.indices
        parent = {a: -1}
        queue = deque([a])
        while queue:
            u = queue.popleft()
            for c in indices[indptr[u] : indptr[u + 1]].tolist():
                if c == self.col_of[u]:
                    continue
                if avoid_mutual and u < self.n and c < self.n and self.gives_to(c) == u:
                    continue
                if c == target:
                    path = [u]
                    while path[-1] != a:
                        path.append(parent[path[-1]])
                    yield path[::-1]
                    continue
                nxt = int(self.row_of[c])
                if nxt not in parent:
                    parent[nxt] = u
                    queue.append(nxt)

    def rotate(self, cycle: list[int]) -> None:
        taken = [int(self.col_of[cycle[(k + 1) % len(cycle)]]) for k in range(len(cycle))]
        for row, c in zip(cycle, taken, strict=True):
            self.col_of[row] = c
            self.row_of[c] = row


def _shortest_from_everywhere(
    nodes: int, u: np.ndarray, v: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Bellman-Ford from a virtual source joined to every node by a 0 arc,
    vectorised, relaxing only the arcs of nodes that changed in the last
    round (the graph has no negative cycle)."""
    order = np.argsort(u, kind="stable")
    u, v, w = u[order], v[order], w[order]
    indptr = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(u, minlength=nodes), out=indptr[1:])
    dist = np.zeros(nodes, dtype=np.int64)
    active = np.arange(nodes)
    for _ in range(nodes + 1):
        if len(active) == 0:
            return dist
        starts, ends = indptr[active], indptr[active + 1]
        counts = ends - starts
        arcs = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        cand = dist[u[arcs]] + w[arcs]
        better = cand < dist[v[arcs]]
        if not better.any():
            return dist
        new = dist.copy()
        np.minimum.at(new, v[arcs][better], cand[better])
        active = np.flatnonzero(new < dist)
        dist = new
    raise AssertionError("negative cycle: the assignment was not optimal")


def _swap_out_mutual_pairs(graph: CandidateGraph, col_of: np.ndarray) -> None:
    """The cheap first try: for each mutual pair a <-> b, look for a giver c
    (writing for d) such that a -> d and c -> b have the same total score as
    a -> b and c -> d, and neither creates a mutual pair; swap. The count and
    the total quality stay exactly the same (the scores sum alike). In place,
    on the doubled problem's ``col_of``."""
    n = graph.n
    keys = graph.giver * n + graph.recipient  # sorted
    idx = np.arange(n)

    def scores(g: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Score of each pair, or -1 where it is not a candidate."""
        want = g * n + r
        pos = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        found = (keys[pos] == want) if len(keys) else np.zeros(len(want), bool)
        return np.where(found, graph.score[pos], -1)

    for _ in range(n):
        rec = col_of[:n]
        real = rec < n
        mutual = np.flatnonzero(real & (idx < rec) & (rec[np.where(real, rec, 0)] == idx))
        if len(mutual) == 0:
            return
        progressed = False
        for a in mutual.tolist():
            b = int(col_of[a])
            if b >= n or col_of[b] != a:
                continue  # changed by an earlier swap
            c = np.flatnonzero((col_of[:n] < n) & (idx != a) & (idx != b))
            d = col_of[c]
            ad, cb = scores(np.full(len(c), a), d), scores(c, np.full(len(c), b))
            ab = int(scores(np.array([a]), np.array([b]))[0])
            # a and c stay matched, and the total is the same; b writes for
            # a, so c -> b is never mutual; d must not write for a.
            ok = (ad >= 0) & (cb >= 0) & (ad + cb == ab + scores(c, d)) & (col_of[d] != a)
            hits = np.flatnonzero(ok)
            if len(hits) == 0:
                continue
            ci, di = int(c[hits[0]]), int(d[hits[0]])
            col_of[a], col_of[ci] = di, b
            col_of[n + b], col_of[n + di] = n + ci, n + a
            progressed = True
        if not progressed:
            return


def _has_mutual_pair(recipient_of: np.ndarray) -> bool:
    n = len(recipient_of)
    real = np.flatnonzero(recipient_of < n)
    return bool((recipient_of[recipient_of[real]] == real).any()) if len(real) else False


def _mutual_pairs(opt: _Optimal) -> set[tuple[int, int]]:
    n = opt.n
    rec = opt.col_of[:n]
    idx = np.arange(n)
    real = rec < n
    back = np.full(n, -1)
    back[real] = rec[real]
    mask = real & (idx < back)
    mask[mask] &= rec[back[mask]] == idx[mask]
    return {(int(i), int(back[i])) for i in np.flatnonzero(mask)}


def _improve(opt: _Optimal, pair: tuple[int, int], before: int, tries: int = 32) -> bool:
    """Apply the first tight cycle moving one of the pair that leaves fewer
    mutual pairs; undo the others."""
    for who, avoid in ((pair[0], True), (pair[1], True), (pair[0], False), (pair[1], False)):
        for k, cycle in enumerate(opt.cycles_off(who, avoid_mutual=avoid)):
            if k >= tries:
                break
            saved = [(row, int(opt.col_of[row])) for row in cycle]
            opt.rotate(cycle)
            if len(_mutual_pairs(opt)) < before:
                return True
            for row, c in saved:
                opt.col_of[row] = c
                opt.row_of[c] = row
    return False


def _break_mutual_pairs(opt: _Optimal, progress: Progress | None) -> set[tuple[int, int]]:
    """Remove mutual pairs by exchanging recipients around tight cycles.

    A rotation is kept only if it lowers the number of mutual pairs; the
    number matched and the total quality never change. Returns the pairs that
    every optimal assignment contains (neither partner can be moved at all).
    """
    pairs = _mutual_pairs(opt)
    total = len(pairs)
    forced: set[tuple[int, int]] = set()
    changed = True
    rounds = 0
    while changed and rounds < 5:
        changed, rounds = False, rounds + 1
        for done, pair in enumerate(sorted(pairs)):
            if progress:
                progress("mutual", done, total)
            if pair not in pairs or pair in forced:
                continue
            before = len(pairs)
            if _improve(opt, pair, before):
                pairs, changed = _mutual_pairs(opt), True
            elif not any(next(opt.cycles_off(who, False), None) for who in pair):
                forced.add(pair)
    if progress:
        progress("mutual", total, total)
    return forced


# ---------------------------------------------------------------------------
# Who is left out, and why


def _explain(graph: CandidateGraph, recipient_of: np.ndarray, ids: list) -> list[Unmatched]:
    """For each sign-up left without a giver or a recipient, the reason.

    The group of an ``"outnumbered"`` sign-up is everyone reachable from her
    by alternating paths; by the maximality of the assignment all their
    partners are taken within the group, so the group is larger than the
    set of its possible partners (a Hall's-theorem witness), and no
    assignment can serve them all.
    """
    n = graph.n
    giver_of = np.full(n, -1, dtype=np.int64)
    matched = np.flatnonzero(recipient_of >= 0)
    giver_of[recipient_of[matched]] = matched
    ones = np.ones(len(graph.giver), np.int8)
    out = sparse.csr_matrix((ones, (graph.giver, graph.recipient)), shape=(n, n))
    into = sparse.csr_matrix((ones, (graph.recipient, graph.giver)), shape=(n, n))

    def witness(start: int, adjacency, partner_of) -> tuple[list[int], list[int]]:
        group, partners = {start}, set()
        queue = deque([start])
        while queue:
            x = queue.popleft()
            for p in adjacency.indices[adjacency.indptr[x] : adjacency.indptr[x + 1]].tolist():
                if p in partners:
                    continue
                partners.add(p)
                y = int(partner_of[p])
                if y >= 0 and y not in group:
                    group.add(y)
                    queue.append(y)
        return sorted(group), sorted(partners)

    result = []
    for role, left, adjacency, partner_of in (
        ("recipient", np.flatnonzero(giver_of < 0), into, recipient_of),
        ("giver", np.flatnonzero(recipient_of < 0), out, giver_of),
    ):
        for x in left.tolist():
            if adjacency.indptr[x + 1] == adjacency.indptr[x]:
                reason = "only_self" if graph.self_match[x] else "no_candidates"
                result.append(Unmatched(ids[x], role, reason))
                continue
            group, partners = witness(x, adjacency, partner_of)
            result.append(
                Unmatched(
                    ids[x],
                    role,
                    "outnumbered",
                    tuple(ids[k] for k in group),
                    tuple(ids[k] for k in partners),
                    tuple(
                        ids[k]
                        for k in adjacency.indices[
                            adjacency.indptr[x] : adjacency.indptr[x + 1]
                        ].tolist()
                    ),
                )
            )
    return result


# ---------------------------------------------------------------------------
# The door


def match(
    signups: Sequence[SignUp],
    settings: MatchSettings | None = None,
    progress: Progress | None = None,
    avoid_mutual: bool = True,
) -> MatchResult:
    """Assign a recipient to every sign-up that can have one; see the module
    docstring for the order of goals. ``progress(stage, done, total)`` is
    called as the work advances (stages: candidates, solve, mutual, explain).
    """
    settings = settings or MatchSettings()
    ids = [s.id for s in signups]
    if len(set(ids)) != len(ids):
        raise ValueError("sign-up ids must be unique")
    n = len(signups)
    graph = candidate_graph(signups, settings, progress)
    if progress:
        progress("solve", 0, 1)
    doubled = _doubled(graph)
    col_of = _solve(graph, doubled) if n else np.zeros(0, np.int64)
    if progress:
        progress("solve", 1, 1)
    forced: set = set()
    if avoid_mutual and n and _has_mutual_pair(col_of[:n]):
        _swap_out_mutual_pairs(graph, col_of)
    if avoid_mutual and n and _has_mutual_pair(col_of[:n]):
        opt = _Optimal(n, doubled, col_of)
        forced = _break_mutual_pairs(opt, progress)
        col_of = opt.col_of
    recipient_of = np.where(col_of[:n] < n, col_of[:n], -1) if n else np.zeros(0, np.int64)

    if progress:
        progress("explain", 0, 1)
    keys = graph.giver * n + graph.recipient  # sorted
    assignments, quality = {}, {}
    for i in np.flatnonzero(recipient_of >= 0).tolist():
        j = int(recipient_of[i])
        score = graph.score[np.searchsorted(keys, i * n + j)]
        assignments[ids[i]] = ids[j]
        quality[(ids[i], ids[j])] = graph.quality(score)
    mutual = sorted(
        (ids[a], ids[b])
        for a, b in (
            (i, int(recipient_of[i]))
            for i in range(n)
            if recipient_of[i] > i and recipient_of[recipient_of[i]] == i
        )
    )
    unmatched = _explain(graph, recipient_of, ids)
    if progress:
        progress("explain", 1, 1)
    return MatchResult(
        assignments=assignments,
        quality=quality,
        unmatched=unmatched,
        mutual_pairs=mutual,
        candidate_pairs=len(graph.giver),
        unavoidable_mutual_pairs=sorted((ids[a], ids[b]) for a, b in forced),
    )
