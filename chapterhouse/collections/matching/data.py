"""The plain data the matcher takes and returns."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

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
