"""The exact assignment: most pairs matched, then the best total quality."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from .candidates import CandidateGraph


def doubled_problem(graph: CandidateGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def solve(graph: CandidateGraph, doubled) -> np.ndarray:
    """``col_of[row]`` for all ``2n`` rows of the doubled problem."""
    n = graph.n
    rows, cols, cost = doubled
    matrix = sparse.csr_matrix((cost.astype(np.float64), (rows, cols)), shape=(2 * n, 2 * n))
    row_ind, col_ind = min_weight_full_bipartite_matching(matrix)
    col_of = np.empty(2 * n, dtype=np.int64)
    col_of[row_ind] = col_ind
    return col_of
