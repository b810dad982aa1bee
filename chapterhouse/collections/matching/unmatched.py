"""Who is left out, and why."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .candidates import CandidateGraph
from .data import Unmatched

PER_PERSON = 50
"""Up to this many people outnumbered on one side, each gets her own witness
group; beyond it they share one (cheaper: one search instead of one each)."""


def _witness(starts: np.ndarray, adjacency, partner_of: np.ndarray) -> tuple[np.ndarray, ...]:
    """Everyone reachable from ``starts`` by alternating paths (the group) and
    everyone who could serve them (the partners), breadth-first by frontier."""
    n = len(partner_of)
    in_group = np.zeros(n, dtype=bool)
    in_partners = np.zeros(n, dtype=bool)
    in_group[starts] = True
    frontier = np.asarray(starts, dtype=np.int64)
    while len(frontier):
        near = np.unique(adjacency[frontier].indices)
        near = near[~in_partners[near]]
        in_partners[near] = True
        nxt = partner_of[near]
        nxt = np.unique(nxt[nxt >= 0])
        nxt = nxt[~in_group[nxt]]
        in_group[nxt] = True
        frontier = nxt
    return np.flatnonzero(in_group), np.flatnonzero(in_partners)


def explain_unmatched(
    graph: CandidateGraph, recipient_of: np.ndarray, ids: list
) -> list[Unmatched]:
    """For each sign-up left without a giver or a recipient, the reason.

    The group of an ``"outnumbered"`` sign-up is everyone reachable from her
    (or, past ``PER_PERSON`` of them, from all the outnumbered on her side)
    by alternating paths. As the assignment is maximum, all the group's
    possible partners are taken within the group, so the group is larger
    than the set of its possible partners (a Hall's-theorem witness): no
    assignment can serve them all.
    """
    n = graph.n
    giver_of = np.full(n, -1, dtype=np.int64)
    matched = np.flatnonzero(recipient_of >= 0)
    giver_of[recipient_of[matched]] = matched
    ones = np.ones(len(graph.giver), np.int8)
    out = sparse.csr_matrix((ones, (graph.giver, graph.recipient)), shape=(n, n))
    into = sparse.csr_matrix((ones, (graph.recipient, graph.giver)), shape=(n, n))

    result = []
    for role, left, adjacency, partner_of in (
        ("recipient", np.flatnonzero(giver_of < 0), into, recipient_of),
        ("giver", np.flatnonzero(recipient_of < 0), out, giver_of),
    ):
        degree = np.diff(adjacency.indptr)[left]
        for x in left[degree == 0].tolist():
            reason = "only_self" if graph.self_match[x] else "no_candidates"
            result.append(Unmatched(ids[x], role, reason))
        outnumbered = left[degree > 0]
        shared = None
        if len(outnumbered) > PER_PERSON:
            shared = _witness(outnumbered, adjacency, partner_of)
            shared = (tuple(ids[k] for k in shared[0]), tuple(ids[k] for k in shared[1]))
        for x in outnumbered.tolist():
            if shared is None:
                group, partners = _witness(np.array([x]), adjacency, partner_of)
                group, partners = tuple(ids[k] for k in group), tuple(ids[k] for k in partners)
            else:
                group, partners = shared
            own = adjacency.indices[adjacency.indptr[x] : adjacency.indptr[x + 1]]
            result.append(
                Unmatched(ids[x], role, "outnumbered", group, partners, tuple(ids[k] for k in own))
            )
    return result
