"""The gift-exchange matcher against brute force and hand-made exchanges.

The reference below restates the matching rules of docs/exchange-matching.md
in plain Python, prompt pair by prompt pair, and enumerates every assignment.
"""

from __future__ import annotations

import random

import pytest

from chapterhouse.collections.matching import ALL, MatchSettings, Prompt, SignUp, match, unmatched

# -- the reference --------------------------------------------------------


def prompts_match(offer: Prompt, request: Prompt, settings: MatchSettings) -> bool:
    for t, k in settings.required.items():
        if k == 0 or t in offer.any or t in request.any:
            continue
        asked = request.tags.get(t, frozenset())
        shared = len(asked & offer.tags.get(t, frozenset()))
        if not asked or shared == len(asked):
            continue
        if k == ALL or shared < k:
            return False
    return True


def pair_quality(giver: SignUp, recipient: SignUp, settings: MatchSettings):
    """(required shared, optional shared) of the best matching prompt pair, or None."""
    best = None
    for o in giver.offers:
        for r in recipient.requests:
            if not prompts_match(o, r, settings):
                continue
            req = opt = 0
            for t in set(o.tags) | set(r.tags):
                shared = len(o.tags.get(t, frozenset()) & r.tags.get(t, frozenset()))
                if settings.required.get(t, 0) != 0:
                    req += shared
                else:
                    opt += shared
            if best is None or (req, opt) > best:
                best = (req, opt)
    return best


def brute_force(signups, settings):
    """Every assignment's (count, total required, total optional) and the optimal ones."""
    n = len(signups)
    q = {
        (i, j): pair_quality(signups[i], signups[j], settings)
        for i in range(n)
        for j in range(n)
        if i != j
    }
    edges = {i: [j for j in range(n) if i != j and q[(i, j)] is not None] for i in range(n)}
    best_key, best = None, []

    def walk(i, used, chosen):
        nonlocal best_key, best
        if i == n:
            key = (
                len(chosen),
                sum(q[e][0] for e in chosen.items()),
                sum(q[e][1] for e in chosen.items()),
            )
            if best_key is None or key > best_key:
                best_key, best = key, [dict(chosen)]
            elif key == best_key:
                best.append(dict(chosen))
            return
        walk(i + 1, used, chosen)
        for j in edges[i]:
            if j not in used:
                used.add(j)
                chosen[i] = j
                walk(i + 1, used, chosen)
                del chosen[i]
                used.discard(j)

    walk(0, set(), {})
    return best_key, best, edges


def mutual_count(assignment: dict) -> int:
    return sum(1 for a, b in assignment.items() if a < b and assignment.get(b) == a)


# -- random small exchanges ----------------------------------------------


def random_prompt(rng: random.Random) -> Prompt:
    any_types = [t for t in ("fandom", "character") if rng.random() < 0.12]
    tags = {}
    if rng.random() < 0.9:
        tags["fandom"] = rng.sample("ABCD", rng.randint(1, 2))
    if rng.random() < 0.7:
        tags["character"] = rng.sample("uvwxyz", rng.randint(1, 3))
    return Prompt.of(any=any_types, **tags)


def random_exchange(seed: int):
    rng = random.Random(seed)
    n = rng.randint(1, 6)
    signups = [
        SignUp(
            f"s{i}",
            [random_prompt(rng) for _ in range(rng.randint(1, 2))],
            [random_prompt(rng) for _ in range(rng.randint(1, 2))],
        )
        for i in range(n)
    ]
    settings = rng.choice(
        [
            MatchSettings({"fandom": 1}),
            MatchSettings({"fandom": 2}),
            MatchSettings({"fandom": ALL}),
            MatchSettings({"fandom": 1, "character": 1}),
            MatchSettings({"character": 2}),
            MatchSettings({}),
        ]
    )
    return signups, settings


SEEDS = range(300)


@pytest.mark.parametrize("seed", SEEDS)
def test_matches_as_many_and_as_well_as_brute_force(seed):
    signups, settings = random_exchange(seed)
    best_key, optimal, edges = brute_force(signups, settings)
    result = match(signups, settings)
    index = {s.id: k for k, s in enumerate(signups)}
    chosen = {index[g]: index[r] for g, r in result.assignments.items()}
    total = result.total_quality
    assert (len(chosen), total.required, total.optional) == best_key
    # Each assignment is allowed, no one gives to herself, no one gets two gifts.
    assert all(r in edges[g] and g != r for g, r in chosen.items())
    assert len(set(chosen.values())) == len(chosen)
    assert chosen in optimal
    for (g, r), quality in result.quality.items():
        assert (quality.required, quality.optional) == pair_quality(
            signups[index[g]], signups[index[r]], settings
        )


@pytest.mark.parametrize("seed", SEEDS)
def test_everyone_left_out_is_explained_truthfully(seed):
    check_explanations(seed)


@pytest.mark.parametrize("seed", SEEDS[::3])
def test_many_left_out_share_one_witness_that_is_still_true(seed, monkeypatch):
    monkeypatch.setattr(unmatched, "PER_PERSON", 0)
    check_explanations(seed)


def check_explanations(seed):
    signups, settings = random_exchange(seed)
    _, _, edges = brute_force(signups, settings)
    result = match(signups, settings)
    index = {s.id: k for k, s in enumerate(signups)}
    givers_of = {j: {i for i in edges if j in edges[i]} for j in range(len(signups))}
    gifted = {index[r] for r in result.assignments.values()}
    giving = {index[g] for g in result.assignments}
    left = {(index[u.id], u.role) for u in result.unmatched}
    assert left == {(k, "recipient") for k in range(len(signups)) if k not in gifted} | {
        (k, "giver") for k in range(len(signups)) if k not in giving
    }
    for u in result.unmatched:
        k = index[u.id]
        own = givers_of[k] if u.role == "recipient" else edges[k]
        if u.reason in ("no_candidates", "only_self"):
            assert not own
            self_ok = pair_quality(signups[k], signups[k], settings) is not None
            assert (u.reason == "only_self") == self_ok
            continue
        assert u.reason == "outnumbered"
        group = {index[x] for x in u.group}
        partners = {index[x] for x in u.partners}
        # Hall's witness: everyone who could serve the group is listed, and
        # they are fewer than the group.
        reach = set().union(*(givers_of[x] if u.role == "recipient" else edges[x] for x in group))
        assert reach == partners
        assert len(partners) < len(group)
        assert k in group
        assert {index[x] for x in u.candidates} == set(own)
        assert u.describe()


@pytest.mark.parametrize("seed", SEEDS)
def test_mutual_pairs_left_are_needed_or_reported_as_unavoidable(seed):
    signups, settings = random_exchange(seed)
    _, optimal, _ = brute_force(signups, settings)
    result = match(signups, settings)
    index = {s.id: k for k, s in enumerate(signups)}
    chosen = {index[g]: index[r] for g, r in result.assignments.items()}
    assert mutual_count(chosen) == len(result.mutual_pairs)
    for a, b in result.unavoidable_mutual_pairs:
        a, b = index[a], index[b]
        assert all(o.get(a) == b and o.get(b) == a for o in optimal)
    # No optimal assignment that keeps everyone else's recipient and swaps
    # recipients between two givers has fewer mutual pairs.
    for a in chosen:
        for c in chosen:
            if a < c:
                swapped = dict(chosen)
                swapped[a], swapped[c] = chosen[c], chosen[a]
                if swapped in optimal and a in {x for p in result.mutual_pairs for x in p}:
                    assert mutual_count(swapped) >= mutual_count(chosen)


# -- hand-made exchanges --------------------------------------------------


def fandoms(signup_id, requests, offers):
    return SignUp(
        signup_id,
        [Prompt.of(fandom=[f]) for f in requests],
        [Prompt.of(fandom=[f]) for f in offers],
    )


def test_nobody_is_assigned_to_herself():
    result = match([fandoms("ann", ["Tea"], ["Tea"])])
    assert result.assignments == {}
    assert {(u.id, u.role, u.reason) for u in result.unmatched} == {
        ("ann", "recipient", "only_self"),
        ("ann", "giver", "only_self"),
    }
    assert result.unmatched[0].describe() == "only her own offers match what she requests"


def test_unmatched_reasons_name_the_people_who_compete():
    signups = [
        fandoms("ann", ["Rare"], ["Tea"]),  # nobody offers Rare
        fandoms("bea", ["Tea"], ["Odd"]),  # nobody requests Odd
        fandoms("cat", ["Tea"], ["Cake"]),
        fandoms("dot", ["Cake"], ["Tea"]),
    ]
    result = match(signups)
    reasons = {(u.id, u.role): u for u in result.unmatched}
    assert reasons[("ann", "recipient")].reason == "no_candidates"
    assert reasons[("bea", "giver")].reason == "no_candidates"
    assert reasons[("ann", "recipient")].describe() == (
        "no one offers anything that matches her requests"
    )
    assert reasons[("bea", "giver")].describe() == (
        "no one requests anything that matches her offers"
    )
    # Three gifts, and cat and dot do not write for each other: ann writes
    # for cat, dot for bea, cat for dot.
    assert result.assignments == {"ann": "cat", "dot": "bea", "cat": "dot"}
    assert result.mutual_pairs == []


def test_two_requesters_and_one_giver_leave_one_out_with_the_reason():
    signups = [
        fandoms("ann", ["Tea"], ["Cake"]),
        fandoms("bea", ["Tea"], ["Cake"]),
        fandoms("cat", ["Cake"], ["Tea"]),
    ]
    result = match(signups)
    assert len(result.assignments) == 2
    (left,) = result.without_giver()
    assert left.id in {"ann", "bea"}
    assert left.reason == "outnumbered"
    assert set(left.group) == {"ann", "bea"}
    assert left.partners == ("cat",)
    assert left.candidates == ("cat",)
    assert left.describe() == (
        "the 1 who offer what she requests are all needed: she and 1 others "
        "request what only 1 sign-ups offer"
    )


@pytest.mark.parametrize("n", [3, 4, 5, 6, 8, 12])
def test_no_mutual_pairs_when_everyone_can_give_to_everyone(n):
    signups = [fandoms(f"s{i}", ["Tea"], ["Tea"]) for i in range(n)]
    result = match(signups)
    assert len(result.assignments) == n
    assert result.mutual_pairs == []


def test_a_mutual_pair_is_kept_when_it_is_the_only_way_and_reported():
    result = match([fandoms("ann", ["Tea"], ["Cake"]), fandoms("bea", ["Cake"], ["Tea"])])
    assert result.assignments == {"ann": "bea", "bea": "ann"}
    assert result.mutual_pairs == [("ann", "bea")]
    assert result.unavoidable_mutual_pairs == [("ann", "bea")]


def test_quality_comes_before_avoiding_mutual_pairs():
    # ann and bea share both characters each way, cat and dot too; across the
    # two pairs only one character is shared. Breaking the pairs would cost
    # quality, so they stay, and are reported as unavoidable.
    def su(i, chars):
        return SignUp(
            i,
            [Prompt.of(fandom=["F"], character=chars)],
            [Prompt.of(fandom=["F"], character=chars)],
        )

    signups = [su("ann", ["x", "y"]), su("bea", ["x", "y"]), su("cat", ["x", "z"])]
    signups.append(su("dot", ["x", "z"]))
    result = match(signups)
    assert result.assignments == {"ann": "bea", "bea": "ann", "cat": "dot", "dot": "cat"}
    assert result.total_quality.optional == 8
    assert result.unavoidable_mutual_pairs == [("ann", "bea"), ("cat", "dot")]


def test_any_offer_serves_a_request_nobody_else_can():
    signups = [
        fandoms("ann", ["Rare"], ["Tea"]),
        SignUp("bea", [Prompt.of(fandom=["Tea"])], [Prompt.of(any=["fandom"])]),
    ]
    result = match(signups)
    assert result.assignments == {"bea": "ann", "ann": "bea"}


def test_required_types_and_counts():
    two = SignUp("two", [Prompt.of(fandom=["A", "B"])], [Prompt.of(fandom=["Z"])])
    one = SignUp("one", [Prompt.of(fandom=["Z"])], [Prompt.of(fandom=["A"])])
    # One of two requested fandoms is enough at 1, not at 2 or ALL.
    assert match([two, one], MatchSettings({"fandom": 1})).assignments.get("one") == "two"
    assert "one" not in match([two, one], MatchSettings({"fandom": 2})).assignments
    assert "one" not in match([two, one], MatchSettings({"fandom": ALL})).assignments


def test_progress_is_reported_through_every_stage():
    seen = []
    signups = [fandoms(f"s{i}", ["Tea"], ["Tea"]) for i in range(5)]
    match(signups, progress=lambda stage, done, total: seen.append((stage, done, total)))
    stages = [s for s, _, _ in seen]
    assert stages[0] == "candidates" and stages[-1] == "explain"
    assert {"candidates", "solve", "explain"} <= set(stages)
    assert all(0 <= done <= total for _, done, total in seen)
    assert seen[-1][1] == seen[-1][2]


def test_an_empty_exchange():
    result = match([])
    assert result.assignments == {} and result.unmatched == []


def test_sign_up_ids_of_any_hashable_kind_are_returned_as_given():
    signups = [
        SignUp(7, [Prompt.of(fandom=["Tea"])], [Prompt.of(fandom=["Cake"])]),
        SignUp("bea", [Prompt.of(fandom=["Cake"])], [Prompt.of(fandom=["Tea"])]),
        SignUp(("c", 1), [Prompt.of(fandom=["Rare"])], [Prompt.of(fandom=["Odd"])]),
    ]
    result = match(signups)
    assert result.assignments == {7: "bea", "bea": 7}
    assert result.unavoidable_mutual_pairs == [(7, "bea")]
    assert {(u.id, u.role) for u in result.unmatched} == {
        (("c", 1), "recipient"),
        (("c", 1), "giver"),
    }


@pytest.mark.parametrize("rules", [MatchSettings({}), MatchSettings({"fandom": 1})])
def test_a_sign_up_without_requests_receives_nothing_even_from_any(rules):
    signups = [
        SignUp("ann", [], [Prompt.of(any=["fandom"])]),
        SignUp("bea", [Prompt.of(fandom=["Tea"])], []),
    ]
    result = match(signups, rules)
    assert result.assignments == {"ann": "bea"}
    assert {(u.id, u.role, u.reason) for u in result.unmatched} == {
        ("ann", "recipient", "no_candidates"),
        ("bea", "giver", "no_candidates"),
    }
