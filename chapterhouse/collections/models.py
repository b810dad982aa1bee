"""Collections: a named group of works with maintainers (docs/collections.md).

The flags that change what readers see (unrevealed, anonymous) are copied onto
each work they touch (``Work.in_unrevealed_collection``,
``Work.in_anonymous_collection``) by ``services.work_collection_flags_sync``, so
the one door for privacy (works/selectors/visibility.py) and the search index
read a column of the work instead of joining collections.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from chapterhouse.works.models import Work

NAME_MAX_LENGTH = 255
TITLE_MAX_LENGTH = 255
SUMMARY_MAX_LENGTH = 1250
TEXT_MAX_LENGTH = 10000

name_validator = RegexValidator(
    r"^[A-Za-z0-9_]+$",
    "The name may contain only letters, numbers and underscores (it is part of the address).",
)


def header_image_path(instance: Collection, filename: str) -> str:
    """Where a header image is stored; the name comes from what the file is."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"collections/headers/{instance.pk}/{secrets.token_hex(8)}.{extension}"


class Collection(models.Model):
    name = models.CharField(max_length=NAME_MAX_LENGTH, unique=True, validators=[name_validator])
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(blank=True, help_text="Sanitised HTML, shown in listings.")
    description = models.TextField(blank=True, help_text="Sanitised HTML, on the profile.")
    intro = models.TextField(blank=True, help_text="Sanitised HTML.")
    faq = models.TextField(blank=True, help_text="Sanitised HTML.")
    rules = models.TextField(blank=True, help_text="Sanitised HTML.")
    email = models.EmailField(blank=True, help_text="Contact address shown on the profile.")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    is_open = models.BooleanField(default=True, help_text="Accepts new works.")
    moderated = models.BooleanField(
        default=False, help_text="New works wait for a maintainer's approval."
    )
    unrevealed = models.BooleanField(
        default=False, help_text="Works are a Mystery Work to readers until revealed."
    )
    anonymous = models.BooleanField(
        default=False, help_text="Creators are shown as Anonymous until revealed."
    )
    reveal_at = models.DateTimeField(
        null=True, blank=True, help_text="Revealed by the background task at this time."
    )
    revealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    #: Re-encoded by ``header_images.header_image_set`` (never the upload as sent).
    header_image = models.ImageField(upload_to=header_image_path, blank=True)

    class Meta:
        indexes = [models.Index(fields=["reveal_at"], name="collection_reveal_at")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collections:dashboard", kwargs={"name": self.name})

    @property
    def type_flags(self) -> list[str]:
        """AO3's "(Open, Moderated, Unrevealed, Anonymous)"."""
        flags = ["Open" if self.is_open else "Closed"]
        if self.moderated:
            flags.append("Moderated")
        if self.unrevealed:
            flags.append("Unrevealed")
        if self.anonymous:
            flags.append("Anonymous")
        if self.is_gift_exchange:
            flags.append("Gift Exchange Challenge")
        return flags

    @property
    def is_gift_exchange(self) -> bool:
        """Read it from a query that selected ``gift_exchange`` (the selectors do)."""
        try:
            return self.gift_exchange is not None
        except models.ObjectDoesNotExist:
            return False


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    MODERATOR = "moderator", "Moderator"


class Maintainer(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="maintainers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="maintained_collections"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MODERATOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "user"], name="maintainer_unique")
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.collection_id}"


class Approval(models.TextChoices):
    PENDING = "pending", "Unreviewed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class CollectionItemQuerySet(models.QuerySet):
    def approved(self):
        """Approved by both sides: shown in the collection."""
        return self.filter(user_approval=Approval.APPROVED, collection_approval=Approval.APPROVED)

    def consented(self):
        """Items whose creator agreed and the maintainers have not refused:
        the collection's flags (unrevealed, anonymous) apply to the work."""
        return self.filter(user_approval=Approval.APPROVED).exclude(
            collection_approval=Approval.REJECTED
        )


class CollectionItem(models.Model):
    """A work in a collection. The creator's consent (``user_approval``) and the
    maintainers' (``collection_approval``) are kept apart: a work the creator
    adds is approved by her, and by the collection unless it is moderated; a
    work a maintainer invites is approved by the collection and waits for her."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="collection_items")
    user_approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    collection_approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CollectionItemQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "work"], name="collection_item_unique")
        ]
        indexes = [models.Index(fields=["work"], name="collection_item_work")]

    def __str__(self) -> str:
        return f"work {self.work_id} in {self.collection_id}"

    @property
    def approved(self) -> bool:
        return (
            self.user_approval == Approval.APPROVED
            and self.collection_approval == Approval.APPROVED
        )


# Gift exchanges (docs/gift-exchanges.md) --------------------------------------------------

#: The tag types a sign-up's prompts name, in the form's order.
TAG_TYPES = ("fandom", "character", "relationship", "freeform")
#: Prompts and tags per prompt a form may ask for at most (bounded server work).
PROMPTS_MAX = 10
TAGS_MAX = 20
TAG_NAME_MAX_LENGTH = 150
PROMPT_TEXT_MAX_LENGTH = 2000


class MatchingStatus(models.TextChoices):
    NONE = "", "Not run"
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class GiftExchange(models.Model):
    """A collection's gift exchange: its sign-up form, matching settings, the
    state of its matching run and its deadlines."""

    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="gift_exchange"
    )
    signups_open = models.BooleanField(default=True)
    signups_open_at = models.DateTimeField(null=True, blank=True)
    signups_close_at = models.DateTimeField(null=True, blank=True)
    requests_required = models.PositiveSmallIntegerField(default=1)
    requests_allowed = models.PositiveSmallIntegerField(default=1)
    offers_required = models.PositiveSmallIntegerField(default=1)
    offers_allowed = models.PositiveSmallIntegerField(default=1)
    #: Per tag type: {"fandom": {"required": 1, "allowed": 1}, …}; a type
    #: missing or with allowed 0 is not on the form.
    tag_limits = models.JSONField(default=dict, blank=True)
    #: Per tag type that must match: how many tags (-1: all the request names).
    match_required = models.JSONField(default=dict, blank=True)
    assignments_due_at = models.DateTimeField(null=True, blank=True)
    #: When set, requests and offers may name only this owned tag set's tags
    #: (AO3's tag sets, with nominations; collections/prompts/tag_sets.py).
    tag_set = models.ForeignKey(
        "collections.OwnedTagSet", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="gift_exchanges",
    )
    assignments_sent_at = models.DateTimeField(null=True, blank=True)
    matching_status = models.CharField(
        max_length=10, choices=MatchingStatus.choices, default=MatchingStatus.NONE, blank=True
    )
    matching_stage = models.CharField(max_length=20, blank=True)
    matching_done = models.PositiveIntegerField(default=0)
    matching_total = models.PositiveIntegerField(default=0)
    matching_error = models.CharField(max_length=500, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    #: Who the last run could not match, and why: [{"signup_id", "user_id",
    #: "username", "role", "reason", "text"}].
    unmatched = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"gift exchange of {self.collection_id}"

    def limits(self, tag_type: str) -> tuple[int, int]:
        entry = (self.tag_limits or {}).get(tag_type) or {}
        return int(entry.get("required", 0)), int(entry.get("allowed", 0))

    @property
    def tag_types(self) -> list[str]:
        """The types on the sign-up form, in order."""
        return [t for t in TAG_TYPES if self.limits(t)[1] > 0]

    def signups_are_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.signups_open
            and (self.signups_open_at is None or self.signups_open_at <= now)
            and (self.signups_close_at is None or now < self.signups_close_at)
        )


class ExchangeSignUp(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_signups"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["collection", "user"], name="exchange_signup_unique")
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"sign-up of {self.user_id} in {self.collection_id}"


class PromptKind(models.TextChoices):
    REQUEST = "request", "Request"
    OFFER = "offer", "Offer"


class ExchangePrompt(models.Model):
    """One request or offer of a sign-up: tag names by type, the types for
    which it takes "any", and a free text."""

    signup = models.ForeignKey(ExchangeSignUp, on_delete=models.CASCADE, related_name="prompts")
    kind = models.CharField(max_length=10, choices=PromptKind.choices)
    position = models.PositiveSmallIntegerField(default=1)
    tags = models.JSONField(default=dict, blank=True)
    any_types = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.position} of {self.signup_id}"


class Assignment(models.Model):
    """Who writes for whom. ``giver`` is empty while nobody writes for the
    recipient: an unmatched recipient, or a defaulted assignment (a pinch hit
    once assignments are sent)."""

    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="assignments"
    )
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="exchange_assignments",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    pinch_hit = models.BooleanField(default=False, help_text="Claimed by a volunteer.")
    defaulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    defaulted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(giver=models.F("recipient")), name="assignment_not_to_self"
            ),
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"assignment {self.pk} in {self.collection_id}"

    @property
    def open_pinch_hit(self) -> bool:
        return self.sent_at is not None and self.giver_id is None and self.fulfilled_at is None


# Prompt memes and owned tag sets live in their own package; Django finds
# models through this module.
from .prompts.models import (  # noqa: E402,F401
    Claim,
    NominationStatus,
    OwnedTagSet,
    Prompt,
    PromptMeme,
    PromptTag,
    TagNomination,
    TagSetTag,
)
