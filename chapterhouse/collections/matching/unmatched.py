"""Who is left out, and why."""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy import sparse

from .candidates import CandidateGraph
from .data import Unmatched


def explain_unmatched(
    graph: CandidateGraph, recipient_of: np.ndarray, ids: list
) -> list[Unmatched]:
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
