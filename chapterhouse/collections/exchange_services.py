"""Writes to gift exchanges: each checks who may make it (docs/gift-exchanges.md).

- Maintainers set an exchange up, run its matching, edit and send its
  assignments, and mark defaults.
- Members sign up while sign-ups are open, and edit or delete their own
  sign-up; a giver defaults on her own assignment; any member but its
  recipient claims a pinch hit.
- Posting a work to the exchange's collection fulfils the poster's
  assignment and names its recipient as a gift (``assignment_fulfil``, called
  by ``services.collection_items_add``).

Telling people goes through the one door (``responses.services.notify``),
inside the transaction of its cause.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from chapterhouse.accounts.selectors import user_by_name
from chapterhouse.moderation.guards import may_write
from chapterhouse.responses.models import InboxKind, NotificationKind
from chapterhouse.responses.services.notify import inbox_deliver, mail_record
from chapterhouse.tags.selectors import tags_by_names
from chapterhouse.works.models import Gift, Work
from chapterhouse.works.selectors.visibility import signed_in_user

from . import matching
from .models import (
    PROMPT_TEXT_MAX_LENGTH,
    PROMPTS_MAX,
    TAG_NAME_MAX_LENGTH,
    TAG_TYPES,
    TAGS_MAX,
    Assignment,
    Collection,
    ExchangePrompt,
    ExchangeSignUp,
    GiftExchange,
    MatchingStatus,
    PromptKind,
)
from .services import _maintainer_required, is_maintainer

log = logging.getLogger(__name__)

#: ``match_required`` value for "every tag of the type the request names".
ALL = matching.ALL


# Settings -------------------------------------------------------------------------------


def _count(errors: list, label: str, value, *, low: int = 0, high: int = PROMPTS_MAX) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.append(f"{label} must be a number.")
        return low
    if not low <= number <= high:
        errors.append(f"{label} must be between {low} and {high}.")
        return max(low, min(high, number))
    return number


@transaction.atomic
def gift_exchange_save(
    *,
    user,
    collection: Collection,
    signups_open: bool = True,
    signups_open_at=None,
    signups_close_at=None,
    requests_required=1,
    requests_allowed=1,
    offers_required=1,
    offers_allowed=1,
    tag_limits: dict | None = None,
    match_required: dict | None = None,
    assignments_due_at=None,
    tag_set=None,
) -> GiftExchange:
    """Maintainers make the collection a gift exchange, or change its settings.
    ``tag_limits``: {type: {"required": n, "allowed": m}}; ``match_required``:
    {type: n} with n ≥ 1 or ``ALL``. Every problem is reported at once."""
    _maintainer_required(user, collection)
    errors: list[str] = []
    counts = {
        "requests_required": _count(errors, "Requests required", requests_required),
        "requests_allowed": _count(errors, "Requests allowed", requests_allowed, low=1),
        "offers_required": _count(errors, "Offers required", offers_required),
        "offers_allowed": _count(errors, "Offers allowed", offers_allowed, low=1),
    }
    for side in ("requests", "offers"):
        if counts[f"{side}_required"] > counts[f"{side}_allowed"]:
            errors.append(f"More {side} are required than allowed.")
    limits = {}
    for tag_type, entry in (tag_limits or {}).items():
        if tag_type not in TAG_TYPES:
            errors.append(f"Unknown tag type {tag_type}.")
            continue
        required = _count(errors, f"Required {tag_type} tags", entry.get("required", 0),
                          high=TAGS_MAX)
        allowed = _count(errors, f"Allowed {tag_type} tags", entry.get("allowed", 0),
                         high=TAGS_MAX)
        if required > allowed:
            errors.append(f"More {tag_type} tags are required than allowed.")
        if allowed:
            limits[tag_type] = {"required": required, "allowed": allowed}
    must_match = {}
    for tag_type, value in (match_required or {}).items():
        if tag_type not in TAG_TYPES:
            errors.append(f"Unknown tag type {tag_type}.")
            continue
        if value in (None, "", 0, "0"):
            continue
        number = ALL if str(value) == str(ALL) else _count(
            errors, f"{tag_type.capitalize()} tags to match", value, low=1, high=TAGS_MAX
        )
        if tag_type not in limits:
            errors.append(
                f"{tag_type.capitalize()} tags must match, but the sign-up form does not ask "
                "for them."
            )
        must_match[tag_type] = number
    if signups_open_at and signups_close_at and signups_close_at <= signups_open_at:
        errors.append("Sign-ups must close after they open.")
    if errors:
        raise ValidationError(errors)
    exchange, _ = GiftExchange.objects.select_for_update().get_or_create(collection=collection)
    exchange.signups_open = bool(signups_open)
    exchange.signups_open_at = signups_open_at or None
    exchange.signups_close_at = signups_close_at or None
    exchange.assignments_due_at = assignments_due_at or None
    for name, value in counts.items():
        setattr(exchange, name, value)
    exchange.tag_limits = limits
    exchange.match_required = must_match
    exchange.tag_set = tag_set
    exchange.save()
    return exchange


def exchange_of(collection: Collection) -> GiftExchange:
    exchange = GiftExchange.objects.filter(collection=collection).first()
    if exchange is None:
        raise ValidationError("This collection is not a gift exchange.")
    return exchange


# Sign-ups ---------------------------------------------------------------------------------


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    seen, out = set(), []
    for name in value or ():
        name = " ".join(str(name).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def _prompt_cleaned(exchange: GiftExchange, label: str, prompt: dict, errors: list) -> dict:
    tags, any_types = {}, []
    for tag_type in exchange.tag_types:
        required, allowed = exchange.limits(tag_type)
        names = _names((prompt.get("tags") or {}).get(tag_type))
        if tag_type in (prompt.get("any") or ()):
            any_types.append(tag_type)
            names = []
        elif len(names) < required:
            errors.append(
                f"{label}: please name at least {required} {tag_type} tag"
                f"{'' if required == 1 else 's'}."
            )
        if len(names) > allowed:
            errors.append(
                f"{label}: you may name at most {allowed} {tag_type} tag"
                f"{'' if allowed == 1 else 's'}."
            )
        for name in names:
            if len(name) > TAG_NAME_MAX_LENGTH:
                errors.append(f"{label}: the tag {name[:40]}… is too long.")
        if names and exchange.tag_set_id:
            _outside_tag_set(exchange, label, names, errors)
        if names:
            tags[tag_type] = names[:allowed]
    description = (prompt.get("description") or "").strip()
    if len(description) > PROMPT_TEXT_MAX_LENGTH:
        errors.append(f"{label}: the details must be at most {PROMPT_TEXT_MAX_LENGTH} characters.")
    return {"tags": tags, "any_types": any_types, "description": description}


def _outside_tag_set(exchange: GiftExchange, label: str, names: list[str], errors: list) -> None:
    """Refuse the names that call no tag of the exchange's tag set (a tag, its
    canonical or a synonym of one in the set), one query for the names."""
    from .prompts.tag_sets import tag_set_allows

    found = tags_by_names(names)
    for name in names:
        tag = found.get(name)
        if tag is None or not tag_set_allows(exchange.tag_set, tag):
            errors.append(
                f"{label}: {name} is not in this challenge's tag set ({exchange.tag_set.title})."
            )


def _blank(prompt: dict) -> bool:
    return not (
        any(_names(v) for v in (prompt.get("tags") or {}).values())
        or prompt.get("any")
        or (prompt.get("description") or "").strip()
    )


def _prompts_cleaned(exchange, kind: str, prompts: list[dict], errors: list) -> list[dict]:
    side = "requests" if kind == PromptKind.REQUEST else "offers"
    word = "Request" if kind == PromptKind.REQUEST else "Offer"
    required = getattr(exchange, f"{side}_required")
    allowed = getattr(exchange, f"{side}_allowed")
    filled = [(n, p) for n, p in enumerate(prompts[:PROMPTS_MAX], 1) if not _blank(p)]
    if len(filled) < required:
        errors.append(
            f"Please fill in at least {required} {word.lower()}{'' if required == 1 else 's'}."
        )
    if len(filled) > allowed:
        errors.append(
            f"You may make at most {allowed} {word.lower()}{'' if allowed == 1 else 's'}."
        )
    return [_prompt_cleaned(exchange, f"{word} {n}", p, errors) for n, p in filled[:allowed]]


@transaction.atomic
def signup_save(
    *, user, collection: Collection, requests: list[dict], offers: list[dict],
    signup: ExchangeSignUp | None = None,
) -> ExchangeSignUp:
    """Sign ``user`` up (or change her sign-up) while sign-ups are open. Each
    prompt is {"tags": {type: names}, "any": [types], "description": text};
    blank prompts are left out. Every problem is reported at once."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in to sign up.")
    may_write(user=user, action="post")
    exchange = exchange_of(collection)
    if signup is not None and signup.user_id != user.pk:
        raise PermissionDenied("You may only change your own sign-up.")
    if not exchange.signups_are_open():
        raise ValidationError("Sign-ups are closed.")
    existing = ExchangeSignUp.objects.filter(collection=collection, user=user).first()
    if signup is None and existing is not None:
        raise ValidationError("You have already signed up for this challenge; edit your sign-up.")
    errors: list[str] = []
    cleaned = {
        PromptKind.REQUEST: _prompts_cleaned(exchange, PromptKind.REQUEST, requests, errors),
        PromptKind.OFFER: _prompts_cleaned(exchange, PromptKind.OFFER, offers, errors),
    }
    if errors:
        raise ValidationError(errors)
    if signup is None:
        signup = ExchangeSignUp.objects.create(collection=collection, user=user)
    else:
        signup.updated_at = timezone.now()
        signup.save(update_fields=["updated_at"])
        signup.prompts.all().delete()
    ExchangePrompt.objects.bulk_create(
        ExchangePrompt(signup=signup, kind=kind, position=n, **prompt)
        for kind, prompts in cleaned.items()
        for n, prompt in enumerate(prompts, 1)
    )
    return signup


@transaction.atomic
def signup_delete(*, user, signup: ExchangeSignUp) -> None:
    """Its owner, while sign-ups are open, or a maintainer, before assignments
    are sent."""
    collection = signup.collection
    exchange = exchange_of(collection)
    if is_maintainer(user, collection):
        if exchange.assignments_sent_at:
            raise ValidationError("Assignments have been sent; a sign-up can no longer go.")
    elif signed_in_user(user) is not None and signup.user_id == user.pk:
        if not exchange.signups_are_open():
            raise ValidationError(
                "Sign-ups are closed; please ask the maintainers to remove your sign-up."
            )
    else:
        raise PermissionDenied("You may only delete your own sign-up.")
    Assignment.objects.filter(
        collection=collection, sent_at__isnull=True, recipient=signup.user
    ).delete()
    Assignment.objects.filter(
        collection=collection, sent_at__isnull=True, giver=signup.user
    ).update(giver=None)
    signup.delete()


# Matching -----------------------------------------------------------------------------------


@transaction.atomic
def matching_start(*, user, collection: Collection) -> GiftExchange:
    """Maintainers queue a matching run (the worker runs ``matching_run``)."""
    from .tasks import exchange_matching_task

    _maintainer_required(user, collection)
    exchange = GiftExchange.objects.select_for_update().get(pk=exchange_of(collection).pk)
    if exchange.signups_are_open():
        raise ValidationError("Please close sign-ups before matching.")
    if exchange.assignments_sent_at:
        raise ValidationError("Assignments have already been sent.")
    if exchange.matching_status in (MatchingStatus.QUEUED, MatchingStatus.RUNNING):
        raise ValidationError("Matching is already running.")
    exchange.matching_status = MatchingStatus.QUEUED
    exchange.matching_stage, exchange.matching_done, exchange.matching_total = "", 0, 0
    exchange.matching_error = ""
    exchange.save()
    transaction.on_commit(lambda: exchange_matching_task.enqueue(exchange.pk))
    return exchange


def matching_signups(collection: Collection) -> list[matching.SignUp]:
    """The collection's sign-ups as the matcher's plain data (tags compared
    case-insensitively)."""
    prompts: dict[int, dict[str, list]] = {}
    for prompt in ExchangePrompt.objects.filter(signup__collection=collection).order_by(
        "signup_id", "kind", "position"
    ):
        value = matching.Prompt(
            tags={t: frozenset(n.casefold() for n in names) for t, names in prompt.tags.items()},
            any=frozenset(prompt.any_types),
        )
        side = prompts.setdefault(prompt.signup_id, {"request": [], "offer": []})
        side[prompt.kind].append(value)
    return [
        matching.SignUp(pk, requests=sides["request"], offers=sides["offer"])
        for pk, sides in sorted(prompts.items())
    ]


def matching_run(*, exchange_id: int) -> str:
    """The background task: match the exchange's sign-ups, store the result as
    unsent assignments and the list of who cannot be matched. Safe to run
    twice: a run replaces the unsent assignments of the one before."""
    exchange = GiftExchange.objects.select_related("collection").filter(pk=exchange_id).first()
    if exchange is None or exchange.assignments_sent_at:
        return "nothing to do"
    collection = exchange.collection
    GiftExchange.objects.filter(pk=exchange_id).update(
        matching_status=MatchingStatus.RUNNING, matching_stage="candidates",
        matching_done=0, matching_total=0,
    )

    def progress(stage: str, done: int, total: int) -> None:
        GiftExchange.objects.filter(pk=exchange_id).update(
            matching_stage=stage, matching_done=done, matching_total=total
        )

    try:
        required = {t: int(n) for t, n in (exchange.match_required or {}).items()}
        result = matching.match(
            matching_signups(collection), matching.MatchSettings(required), progress=progress
        )
    except Exception as error:  # noqa: BLE001 - shown to the maintainers, then logged
        log.exception("Matching of %s failed.", collection.name)
        GiftExchange.objects.filter(pk=exchange_id).update(
            matching_status=MatchingStatus.FAILED, matching_error=str(error)[:500]
        )
        return "failed"
    user_of = dict(
        ExchangeSignUp.objects.filter(collection=collection).values_list("pk", "user_id")
    )
    names = dict(
        ExchangeSignUp.objects.filter(collection=collection).values_list("pk", "user__username")
    )
    with transaction.atomic():
        locked = GiftExchange.objects.select_for_update().get(pk=exchange_id)
        if locked.assignments_sent_at:
            return "sent meanwhile"
        Assignment.objects.filter(collection=collection, sent_at__isnull=True).delete()
        rows = [
            Assignment(collection=collection, giver_id=user_of[g], recipient_id=user_of[r])
            for g, r in result.assignments.items()
        ]
        unmatched = []
        for entry in result.unmatched:
            if entry.role == "recipient":
                # A placeholder the maintainers fill by hand (or a pinch hit).
                rows.append(Assignment(collection=collection, recipient_id=user_of[entry.id]))
            unmatched.append({
                "signup_id": entry.id, "user_id": user_of[entry.id],
                "username": names[entry.id], "role": entry.role, "reason": entry.reason,
                "text": _unmatched_text(entry, names),
            })
        rows.sort(key=lambda a: (a.recipient_id, a.giver_id or 0))
        Assignment.objects.bulk_create(rows)
        locked.unmatched = unmatched
        locked.matching_status = MatchingStatus.DONE
        locked.matching_stage = "done"
        locked.matched_at = timezone.now()
        locked.save()
    return "done"


def _unmatched_text(entry: matching.Unmatched, names: dict) -> str:
    """The matcher's reason, with people named instead of sign-up ids."""
    who = names[entry.id]
    if entry.reason == "only_self":
        return f"{who}: her only possible match is her own sign-up."
    if entry.reason == "no_candidates":
        if entry.role == "recipient":
            return f"{who}: no one else offers what she requests."
        return f"{who}: no one else requests what she offers."
    group = ", ".join(sorted(names[g] for g in entry.group))
    partners = ", ".join(sorted(names[p] for p in entry.partners))
    verb = "receive from" if entry.role == "recipient" else "write for"
    return (
        f"{who}: {len(entry.group)} sign-ups ({group}) can only {verb} "
        f"{len(entry.partners)} ({partners}), so {len(entry.group) - len(entry.partners)} "
        f"of them must go without."
    )


# Assignments --------------------------------------------------------------------------------


def _assignment_locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("collection")
        .get(pk=assignment.pk)
    )


def _person(name: str, label: str):
    name = (name or "").strip()
    if not name:
        return None
    person = user_by_name(name)
    if person is None:
        raise ValidationError(f"We couldn't find the {label} {name}.")
    return person


@transaction.atomic
def assignment_edit(
    *, user, assignment: Assignment, giver: str | None = None, recipient: str | None = None
) -> Assignment:
    """Maintainers change an assignment's giver or recipient by name (an empty
    giver leaves the recipient without one). Nobody writes for herself; the
    recipient must have signed up, and gets one gift (one assignment)."""
    assignment = _assignment_locked(assignment)
    _maintainer_required(user, assignment.collection)
    if assignment.fulfilled_at:
        raise ValidationError("This assignment is fulfilled already.")
    if giver is not None:
        person = _person(giver, "giver")
        assignment.giver = person
        if person is not None and assignment.defaulted_by_id is not None:
            assignment.pinch_hit = True
    if recipient is not None:
        person = _person(recipient, "recipient")
        if person is None:
            raise ValidationError("Every assignment needs a recipient.")
        if not ExchangeSignUp.objects.filter(
            collection=assignment.collection, user=person
        ).exists():
            raise ValidationError(f"{person.username} has not signed up for this challenge.")
        if Assignment.objects.filter(
            collection=assignment.collection, recipient=person
        ).exclude(pk=assignment.pk).exists():
            raise ValidationError(
                f"{person.username} already has an assignment as recipient: change its giver "
                "instead."
            )
        assignment.recipient = person
    if assignment.giver_id is not None and assignment.giver_id == assignment.recipient_id:
        raise ValidationError("Nobody can be assigned to write for herself.")
    assignment.save()
    if assignment.sent_at and assignment.giver_id:
        _tell_giver(assignment)
    return assignment


def _tell_giver(assignment: Assignment) -> None:
    """Inbox and mail to the giver, once per assignment and giver."""
    key = f"assignment:{assignment.pk}:to:{assignment.giver_id}"
    collection = assignment.collection
    inbox_deliver(
        user=assignment.giver, kind=InboxKind.ASSIGNMENT, key=key,
        text=f"Your assignment for {collection.title}: you are writing for "
             f"{assignment.recipient.username}. See /collections/{collection.name}/assignments/"
             f"{assignment.pk}",
    )
    mail_record(
        user=assignment.giver, kind=NotificationKind.ASSIGNMENT, key=key,
        payload={"assignment_id": assignment.pk},
    )


@transaction.atomic
def assignments_send(*, user, collection: Collection) -> int:
    """Maintainers send the matched assignments: each giver is told by inbox
    and mail. Assignments still without a giver become pinch hits that
    volunteers may claim. Returns how many givers were told."""
    _maintainer_required(user, collection)
    exchange = GiftExchange.objects.select_for_update().get(pk=exchange_of(collection).pk)
    if exchange.assignments_sent_at:
        raise ValidationError("Assignments have already been sent.")
    if exchange.matching_status != MatchingStatus.DONE:
        raise ValidationError("Please run matching first.")
    now = timezone.now()
    exchange.assignments_sent_at = now
    exchange.save(update_fields=["assignments_sent_at"])
    told = 0
    waiting = Assignment.objects.filter(collection=collection, sent_at__isnull=True)
    for assignment in waiting.select_related("giver", "recipient", "collection"):
        assignment.sent_at = now
        assignment.save(update_fields=["sent_at"])
        if assignment.giver_id:
            _tell_giver(assignment)
            told += 1
    return told


@transaction.atomic
def assignment_default(*, user, assignment: Assignment) -> Assignment:
    """The giver says she can't, or a maintainer marks her default: the
    assignment loses its giver and becomes a pinch hit."""
    assignment = _assignment_locked(assignment)
    me = signed_in_user(user)
    mine = me is not None and assignment.giver_id == me.pk
    if not (mine or is_maintainer(user, assignment.collection)):
        raise PermissionDenied("Only the giver or the maintainers may do that.")
    if assignment.sent_at is None:
        raise ValidationError("This assignment has not been sent yet.")
    if assignment.fulfilled_at:
        raise ValidationError("This assignment is fulfilled already.")
    if assignment.giver_id is None:
        raise ValidationError("This assignment has no giver to default.")
    assignment.defaulted_by_id = assignment.giver_id
    assignment.defaulted_at = timezone.now()
    assignment.giver = None
    assignment.save(update_fields=["defaulted_by", "defaulted_at", "giver"])
    return assignment


@transaction.atomic
def assignment_claim(*, user, assignment: Assignment) -> Assignment:
    """A member volunteers for an open pinch hit: she becomes its giver."""
    if signed_in_user(user) is None:
        raise PermissionDenied("Please log in to claim a pinch hit.")
    may_write(user=user, action="post")
    assignment = _assignment_locked(assignment)
    if not assignment.open_pinch_hit:
        raise ValidationError("This pinch hit has been claimed already.")
    if assignment.recipient_id == user.pk:
        raise ValidationError("You can't write your own gift.")
    if assignment.defaulted_by_id == user.pk:
        raise ValidationError("You defaulted on this assignment.")
    assignment.giver = user
    assignment.pinch_hit = True
    assignment.save(update_fields=["giver", "pinch_hit"])
    _tell_giver(assignment)
    return assignment


def assignment_fulfil(*, user, work: Work, collection: Collection) -> Assignment | None:
    """Called (inside its transaction) when ``user`` adds ``work`` to
    ``collection``: her sent, unfulfilled assignment there is fulfilled by it,
    and its recipient becomes a gift of the work. The gift's mail waits for
    the work to be posted and revealed (``gifts_mail_record``)."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(collection=collection, giver=user, sent_at__isnull=False,
                fulfilled_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if assignment is None:
        return None
    if not Gift.objects.filter(work=work, recipient_id=assignment.recipient_id).exists():
        Gift.objects.create(work=work, recipient_id=assignment.recipient_id)
    assignment.work = work
    assignment.fulfilled_at = timezone.now()
    assignment.save(update_fields=["work", "fulfilled_at"])
    return assignment
