"""The candidate graph: who can give to whom, and how well."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from .data import ALL, MatchSettings, Progress, Prompt, Quality, SignUp


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

    # Only sign-ups with a request can receive, only those with an offer give.
    requesters, offerers = np.unique(request_owner), np.unique(offer_owner)
    o_open, r_open = np.flatnonzero(open_o), np.flatnonzero(open_r)
    if len(required) <= 1:
        # Only the index type is required and it is open: these pairs all
        # match. One edge per (owner, sign-up), scored 0 unless tags are shared.
        for owner in np.unique(offer_owner[o_open]):
            keep(np.full(len(requesters), owner), requesters, np.zeros(len(requesters), np.int64))
        for owner in np.unique(request_owner[r_open]):
            keep(offerers, np.full(len(offerers), owner), np.zeros(len(offerers), np.int64))
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
