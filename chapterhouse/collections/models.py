"""Collections: a named group of works with maintainers (docs/collections.md).

The flags that change what readers see (unrevealed, anonymous) are copied onto
each work they touch (``Work.in_unrevealed_collection``,
``Work.in_anonymous_collection``) by ``services.work_collection_flags_sync``, so
the one door for privacy (works/selectors/visibility.py) and the search index
read a column of the work instead of joining collections.
"""

from __future__ import annotations

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
        return flags


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
