"""Reads for gift exchanges. Who may see what (docs/gift-exchanges.md):
sign-ups to their owner and the maintainers; assignments to their giver and
the maintainers; an open pinch hit (no giver) to signed-in members, without
anyone who defaulted on it. Who gives to whom never reaches a recipient."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from chapterhouse.works.selectors.visibility import signed_in_user

from .models import (
    TAG_TYPES,
    Assignment,
    Collection,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    PromptKind,
)
from .services import is_maintainer


def exchange_for(collection: Collection) -> GiftExchange | None:
    """The collection's exchange (no query when the collection was read with it)."""
    try:
        return collection.gift_exchange
    except GiftExchange.DoesNotExist:
        return None


def signup_of(user, collection: Collection) -> ExchangeSignUp | None:
    user = signed_in_user(user)
    if user is None:
        return None
    return ExchangeSignUp.objects.filter(collection=collection, user=user).first()


def signup_visible(viewer, collection: Collection, signup_id: int) -> ExchangeSignUp | None:
    """The sign-up, for its owner and the maintainers; None for anyone else."""
    signup = (
        ExchangeSignUp.objects.select_related("user")
        .filter(collection=collection, pk=signup_id).first()
    )
    if signup is None:
        return None
    viewer = signed_in_user(viewer)
    if viewer is not None and (signup.user_id == viewer.pk or is_maintainer(viewer, collection)):
        return signup
    return None


def prompts_of(signup: ExchangeSignUp) -> dict[str, list[ExchangePrompt]]:
    out: dict[str, list[ExchangePrompt]] = {PromptKind.REQUEST: [], PromptKind.OFFER: []}
    for prompt in signup.prompts.all():
        out[prompt.kind].append(prompt)
    return out


def signups_for_maintainers(viewer, collection: Collection) -> list[ExchangeSignUp] | None:
    """Every sign-up with its prompts; None unless the viewer maintains it."""
    if not is_maintainer(viewer, collection):
        return None
    return list(
        ExchangeSignUp.objects.filter(collection=collection)
        .select_related("user").prefetch_related("prompts").order_by("user__username")
    )


@dataclass
class SummaryRow:
    tag_type: str
    name: str
    requests: int
    offers: int


def signup_summary(viewer, collection: Collection) -> tuple[list[SummaryRow], int] | None:
    """What is requested and offered, by tag (counted once per prompt), most
    requested first; and the number of sign-ups. Maintainers only."""
    if not is_maintainer(viewer, collection):
        return None
    requested: Counter = Counter()
    offered: Counter = Counter()
    shown: dict[tuple[str, str], str] = {}
    prompts = ExchangePrompt.objects.filter(signup__collection=collection)
    for kind, tags, any_types in prompts.values_list("kind", "tags", "any_types"):
        counter = requested if kind == PromptKind.REQUEST else offered
        for tag_type, names in tags.items():
            for name in names:
                key = (tag_type, name.casefold())
                shown.setdefault(key, name)
                counter[key] += 1
        for tag_type in any_types:
            key = (tag_type, "")
            shown[key] = f"Any {tag_type}"
            counter[key] += 1
    order = {t: n for n, t in enumerate(TAG_TYPES)}
    rows = [
        SummaryRow(key[0], shown[key], requested[key], offered[key])
        for key in set(requested) | set(offered)
    ]
    rows.sort(key=lambda r: (order.get(r.tag_type, 99), -r.requests, -r.offers, r.name.casefold()))
    total = ExchangeSignUp.objects.filter(collection=collection).count()
    return rows, total


def assignments_for_maintainers(viewer, collection: Collection) -> list[Assignment] | None:
    if not is_maintainer(viewer, collection):
        return None
    return list(
        Assignment.objects.filter(collection=collection)
        .select_related("giver", "recipient", "defaulted_by", "work")
        .order_by("recipient__username", "pk")
    )


def assignment_visible(viewer, collection: Collection, assignment_id: int) -> Assignment | None:
    """The assignment, for its giver and the maintainers; an open pinch hit
    also for other signed-in members. None for anyone else (the recipient
    included)."""
    assignment = (
        Assignment.objects.select_related("giver", "recipient", "work", "collection")
        .filter(collection=collection, pk=assignment_id).first()
    )
    viewer = signed_in_user(viewer)
    if assignment is None or viewer is None:
        return None
    if assignment.giver_id == viewer.pk or is_maintainer(viewer, collection):
        return assignment
    if assignment.open_pinch_hit and viewer.pk not in (
        assignment.recipient_id, assignment.defaulted_by_id
    ):
        return assignment
    return None


def assignments_given_by(user, collection: Collection | None = None) -> list[Assignment]:
    """The sent assignments ``user`` writes (her own page only)."""
    found = Assignment.objects.filter(giver=user, sent_at__isnull=False)
    if collection is not None:
        found = found.filter(collection=collection)
    return list(found.select_related("collection", "recipient", "work").order_by("-sent_at", "pk"))


def open_pinch_hits(viewer, collection: Collection) -> list[Assignment]:
    viewer = signed_in_user(viewer)
    if viewer is None:
        return []
    return [
        a for a in Assignment.objects.filter(
            collection=collection, sent_at__isnull=False, giver__isnull=True,
            fulfilled_at__isnull=True,
        ).exclude(recipient=viewer).select_related("recipient").order_by("pk")
        if a.defaulted_by_id != viewer.pk
    ]


def requests_of(collection: Collection, user) -> list[ExchangePrompt]:
    """The recipient's requests, shown with an assignment."""
    return list(
        ExchangePrompt.objects.filter(
            signup__collection=collection, signup__user=user, kind=PromptKind.REQUEST
        ).order_by("position")
    )


def signups_of_user(user) -> list[ExchangeSignUp]:
    """Her own sign-ups (her page only)."""
    return list(
        ExchangeSignUp.objects.filter(user=user).select_related("collection").order_by("-pk")
    )
