"""Mutual pairs: moving between equally good assignments to break them."""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import sparse

from .candidates import CandidateGraph
from .data import Progress


class Optimal:
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


def swap_out_mutual_pairs(graph: CandidateGraph, col_of: np.ndarray) -> None:
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


def has_mutual_pair(recipient_of: np.ndarray) -> bool:
    n = len(recipient_of)
    real = np.flatnonzero(recipient_of < n)
    return bool((recipient_of[recipient_of[real]] == real).any()) if len(real) else False


def _mutual_pairs(opt: Optimal) -> set[tuple[int, int]]:
    n = opt.n
    rec = opt.col_of[:n]
    idx = np.arange(n)
    real = rec < n
    back = np.full(n, -1)
    back[real] = rec[real]
    mask = real & (idx < back)
    mask[mask] &= rec[back[mask]] == idx[mask]
    return {(int(i), int(back[i])) for i in np.flatnonzero(mask)}


def _improve(opt: Optimal, pair: tuple[int, int], before: int, tries: int = 32) -> bool:
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


def break_mutual_pairs(opt: Optimal, progress: Progress | None) -> set[tuple[int, int]]:
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
