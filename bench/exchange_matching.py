"""Benchmark gift-exchange matching: ours beside AO3's algorithm.

    .venv/bin/python bench/exchange_matching.py                       # 3,000 sign-ups
    .venv/bin/python bench/exchange_matching.py --signups 300 3000 10000
    .venv/bin/python bench/exchange_matching.py --ao3-cap none         # AO3 without the cap
    .venv/bin/python bench/exchange_matching.py --zipf-offset 0        # plain Zipf: big fandoms

The exchange is shaped like Yuletide: ``--fandoms`` small fandoms (2,000)
with Zipf-distributed popularity (weight ``1 / (rank + offset) ** s``), each
with 3-15 characters; each sign-up requests 2-4 fandoms (0-3 characters
each) and offers 3-8 (1-5 characters each), and about 5% offer "any"
instead. Matching settings: one shared fandom required, characters optional.
The seed is fixed (``--seed``).

For each size it prints, for our matcher (chapterhouse.collections.matching)
and for a reimplementation of AO3's (see docs/exchange-matching.md): the
time, the sign-ups left without a giver and without a recipient, the mutual
pairs, and the mean number of tags shared by the best matching prompt pair of
each assignment. No database is involved.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from chapterhouse.collections.matching import (  # noqa: E402
    MatchSettings,
    Prompt,
    SignUp,
    match,
)

SETTINGS = MatchSettings({"fandom": 1})


# -- the exchange -----------------------------------------------------------


def yuletide(
    n: int, *, fandoms: int, s: float, offset: float, any_share: float, seed: int
) -> list[SignUp]:
    rng = np.random.default_rng(seed)
    weight = 1.0 / (np.arange(1, fandoms + 1) + offset) ** s
    weight /= weight.sum()
    cast = rng.integers(3, 16, size=fandoms)

    def prompt(f: int, low: int, high: int) -> Prompt:
        k = min(int(cast[f]), int(rng.integers(low, high + 1)))
        chars = rng.choice(int(cast[f]), size=k, replace=False)
        return Prompt.of(fandom=[f], character=[(f, int(c)) for c in chars])

    signups = []
    for i in range(n):
        asked = rng.choice(fandoms, size=int(rng.integers(2, 5)), replace=False, p=weight)
        requests = [prompt(int(f), 0, 3) for f in asked]
        if rng.random() < any_share:
            offers = [Prompt.of(any=["fandom", "character"])]
        else:
            given = rng.choice(fandoms, size=int(rng.integers(3, 9)), replace=False, p=weight)
            offers = [prompt(int(f), 1, 5) for f in given]
        signups.append(SignUp(i, requests, offers))
    return signups


# -- AO3's algorithm, reimplemented ------------------------------------------


def _prompt_match(request: Prompt, offer: Prompt) -> bool:
    """One fandom required (AO3's Prompt#matches? with num_required_fandoms 1)."""
    if "fandom" in request.any or "fandom" in offer.any:
        return True
    asked = request.tags.get("fandom", frozenset())
    return not asked or bool(asked & offer.tags.get("fandom", frozenset()))


def _shared_tags(request: Prompt, offer: Prompt) -> int:
    return sum(len(tags & offer.tags.get(t, frozenset())) for t, tags in request.tags.items())


def _potential_match(requester: SignUp, giver: SignUp):
    """(prompt pairs matched, most tags shared by a matching pair) or None."""
    count = best = 0
    for r in requester.requests:
        for o in giver.offers:
            if _prompt_match(r, o):
                count += 1
                best = max(best, _shared_tags(r, o))
    return (count, best) if count >= 1 else None


def ao3_match(signups: list[SignUp], *, cap: int | None, seed: int) -> dict[int, int]:
    """AO3's matching: random potential matches per sign-up (at most ``cap``
    each, AO3's old limit), then a greedy pass, fewest options first, that
    puts off mutual pairs. Returns giver -> recipient."""
    rng = random.Random(seed)
    n = len(signups)
    offering = defaultdict(set)  # fandom -> sign-ups that offer it
    open_any = set()  # sign-ups with a prompt that takes "any" fandom
    for s in signups:
        for o in s.offers:
            for f in o.tags.get("fandom", ()):
                offering[f].add(s.id)
        if any("fandom" in p.any for p in (*s.requests, *s.offers)):
            open_any.add(s.id)

    # 1. Potential matches, generated for each sign-up as the requester.
    as_request = defaultdict(list)  # requester -> [(key, giver)]
    as_offer = defaultdict(list)  # giver -> [(key, requester)]
    made = 0
    for s in signups:
        asked = {f for r in s.requests for f in r.tags.get("fandom", ())}
        if asked:
            candidates = set().union(*(offering[f] for f in asked)) | open_any
        else:
            candidates = set(range(n))
        order = sorted(candidates)
        rng.shuffle(order)
        found = 0
        for other in order:
            if other == s.id:
                continue
            pm = _potential_match(s, signups[other])
            if pm is None:
                continue
            made += 1
            key = (pm[0], pm[1], made)  # AO3 sorts on these, then on the row id
            as_request[s.id].append((key, other))
            as_offer[other].append((key, s.id))
            found += 1
            if cap is not None and found == cap:
                break

    # 2. Buckets by number of options; fewest first, shuffled within.
    gives_to: dict[int, int] = {}
    gets_from: dict[int, int] = {}
    done_request, done_offer = set(), set()
    request_buckets, offer_buckets = defaultdict(list), defaultdict(list)
    for s in signups:
        request_buckets[len(as_request[s.id])].append(s.id)
        offer_buckets[len(as_offer[s.id])].append(s.id)
    top = max([*request_buckets, *offer_buckets], default=0)
    for count in range(top + 1):
        bucket = request_buckets.get(count, [])
        rng.shuffle(bucket)
        for r in bucket:
            if r in done_request:
                continue
            last = None
            for _, g in sorted(as_request[r], reverse=True):
                if g in done_offer:
                    continue
                if last is None and g in done_request and gets_from.get(g) == r:
                    last = g  # r already gives to g: keep as a last resort
                    continue
                gives_to[g], gets_from[r] = r, g
                done_offer.add(g)
                break
            else:
                if last is not None:
                    gives_to[last], gets_from[r] = r, last
                    done_offer.add(last)
            done_request.add(r)
        bucket = offer_buckets.get(count, [])
        rng.shuffle(bucket)
        for g in bucket:
            if g in done_offer:
                continue
            last = None
            for _, r in sorted(as_offer[g], reverse=True):
                if r in done_request:
                    continue
                if last is None and r in done_offer and gives_to.get(r) == g:
                    last = r  # r already gives to g: keep as a last resort
                    continue
                gives_to[g], gets_from[r] = r, g
                done_request.add(r)
                break
            else:
                if last is not None:
                    gives_to[g], gets_from[last] = last, g
                    done_request.add(last)
            done_offer.add(g)
    return gives_to


# -- figures ------------------------------------------------------------------


def figures(signups: list[SignUp], gives_to: dict) -> dict:
    n = len(signups)
    recipients = set(gives_to.values())
    shared = [
        max(
            _shared_tags(r, o)
            for r in signups[b].requests
            for o in signups[a].offers
            if _prompt_match(r, o)
        )
        for a, b in gives_to.items()
    ]
    mutual = sum(1 for a, b in gives_to.items() if a < b and gives_to.get(b) == a)
    return {
        "matched": len(gives_to),
        "no_giver": n - len(recipients),
        "no_recipient": n - len(gives_to),
        "mutual": mutual,
        "shared": sum(shared) / max(len(shared), 1),
    }


def row(name: str, seconds: float, f: dict) -> str:
    return (
        f"  {name:<22} {seconds:8.2f} s  matched {f['matched']:>6}  "
        f"no giver {f['no_giver']:>4}  no recipient {f['no_recipient']:>4}  "
        f"mutual pairs {f['mutual']:>3}  mean shared tags {f['shared']:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signups", type=int, nargs="+", default=[3000])
    parser.add_argument("--fandoms", type=int, default=2000)
    parser.add_argument("--zipf-s", type=float, default=1.0)
    parser.add_argument("--zipf-offset", type=float, default=20.0)
    parser.add_argument("--any", type=float, default=0.05, help="share offering any fandom")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--ao3-cap",
        default="auto",
        help="potential matches per sign-up: auto (AO3's old limit), none, or a number",
    )
    parser.add_argument("--no-ao3", action="store_true")
    parser.add_argument("--progress", action="store_true", help="print our progress reports")
    args = parser.parse_args()

    for n in args.signups:
        t = time.perf_counter()
        signups = yuletide(
            n,
            fandoms=args.fandoms,
            s=args.zipf_s,
            offset=args.zipf_offset,
            any_share=args.any,
            seed=args.seed,
        )
        made = time.perf_counter() - t
        print(f"{n} sign-ups, {args.fandoms} fandoms (generated in {made:.1f} s)")

        start = time.perf_counter()

        def report(stage, done, total, start=start):
            if args.progress:
                print(f"    {stage} {done}/{total}  {time.perf_counter() - start:.2f} s")

        ours = match(signups, SETTINGS, progress=report)
        took = time.perf_counter() - start
        print(row("ours (exact)", took, figures(signups, ours.assignments)))
        reasons = defaultdict(int)
        for u in ours.unmatched:
            reasons[(u.role, u.reason)] += 1
        print(
            f"    candidate pairs {ours.candidate_pairs:,}; left out: "
            + (
                ", ".join(f"{role} {why} {k}" for (role, why), k in sorted(reasons.items()))
                or "none"
            )
            + f"; unavoidable mutual pairs {len(ours.unavoidable_mutual_pairs)}"
        )
        if args.no_ao3:
            continue
        if args.ao3_cap == "auto":
            cap = max(10, min(50, n * 10 // 100))
        elif args.ao3_cap == "none":
            cap = None
        else:
            cap = int(args.ao3_cap)
        start = time.perf_counter()
        theirs = ao3_match(signups, cap=cap, seed=args.seed)
        took = time.perf_counter() - start
        print(row(f"AO3 (cap {cap})", took, figures(signups, theirs)))


if __name__ == "__main__":
    main()
