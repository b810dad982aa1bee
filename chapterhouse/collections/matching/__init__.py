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
   quality-preserving repair can reach (see ``mutual.py``).

Steps 1 and 2 are one exact assignment problem solved by SciPy's sparse
minimum-weight full bipartite matching (LAPJVsp) on a graph that only holds
pairs that can match (the candidate graph).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .assignment import doubled_problem, solve
from .candidates import CandidateGraph, candidate_graph
from .data import ALL, MatchResult, MatchSettings, Progress, Prompt, Quality, SignUp, Unmatched
from .mutual import Optimal, break_mutual_pairs, has_mutual_pair, swap_out_mutual_pairs
from .unmatched import explain_unmatched

__all__ = [
    "ALL",
    "CandidateGraph",
    "MatchResult",
    "MatchSettings",
    "Progress",
    "Prompt",
    "Quality",
    "SignUp",
    "Unmatched",
    "candidate_graph",
    "match",
]


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
    doubled = doubled_problem(graph)
    col_of = solve(graph, doubled) if n else np.zeros(0, np.int64)
    if progress:
        progress("solve", 1, 1)
    forced: set = set()
    if avoid_mutual and n and has_mutual_pair(col_of[:n]):
        swap_out_mutual_pairs(graph, col_of)
    if avoid_mutual and n and has_mutual_pair(col_of[:n]):
        opt = Optimal(n, doubled, col_of)
        forced = break_mutual_pairs(opt, progress)
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
    mutual = [
        (ids[i], ids[int(recipient_of[i])])
        for i in range(n)
        if recipient_of[i] > i and recipient_of[recipient_of[i]] == i
    ]
    unmatched = explain_unmatched(graph, recipient_of, ids)
    if progress:
        progress("explain", 1, 1)
    return MatchResult(
        assignments=assignments,
        quality=quality,
        unmatched=unmatched,
        mutual_pairs=mutual,
        candidate_pairs=len(graph.giver),
        unavoidable_mutual_pairs=[(ids[a], ids[b]) for a, b in sorted(forced)],
    )
