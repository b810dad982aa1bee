"""Prompt memes (docs/prompt-memes.md): the settings of a collection that is a
prompt meme, its prompts, and the claims on them. A claim is filled by the work
posted in response to its prompt (``Claim.work``); whether a viewer sees that
fill is decided by the one door (works/selectors/visibility.py), never here."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from chapterhouse.tags.models import Tag
from chapterhouse.works.models import Work

PROMPT_TITLE_MAX_LENGTH = 255
PROMPT_TEXT_MAX_LENGTH = 10000
#: The most tags a prompt may carry (all four kinds together).
PROMPT_MAX_TAGS = 30
#: The settings' bounds.
PROMPTS_PER_MEMBER_MAX = 100
CLAIMS_PER_PROMPT_MAX = 100


class PromptMeme(models.Model):
    """A collection's prompt-meme settings: it is a prompt meme when it has them."""

    collection = models.OneToOneField(
        "collections.Collection", on_delete=models.CASCADE, related_name="prompt_meme"
    )
    prompts_open = models.BooleanField(default=True, help_text="Members may post prompts.")
    opens_at = models.DateTimeField(null=True, blank=True, help_text="Prompts open at this time.")
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Prompts close at this time."
    )
    prompts_per_member = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(PROMPTS_PER_MEMBER_MAX)],
    )
    anonymous_allowed = models.BooleanField(default=True)
    claims_per_prompt = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(CLAIMS_PER_PROMPT_MAX)],
        help_text="0: no limit.",
    )
    tag_set = models.ForeignKey(
        "collections.OwnedTagSet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Prompts' tags must come from this tag set.",
    )

    def __str__(self) -> str:
        return f"prompt meme {self.collection_id}"

    def accepting_prompts(self, now=None) -> bool:
        now = now or timezone.now()
        if not self.prompts_open:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Prompt(models.Model):
    collection = models.ForeignKey(
        "collections.Collection", on_delete=models.CASCADE, related_name="prompts"
    )
    prompter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompts"
    )
    title = models.CharField(max_length=PROMPT_TITLE_MAX_LENGTH, blank=True)
    description = models.TextField(blank=True, help_text="Sanitised HTML.")
    anonymous = models.BooleanField(
        default=False, help_text="The prompter's name is hidden from other members."
    )
    tags = models.ManyToManyField(Tag, through="PromptTag", related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["collection", "-created_at"], name="prompt_collection_new"),
            models.Index(fields=["prompter"], name="prompt_prompter"),
        ]

    def __str__(self) -> str:
        return self.title or f"Prompt {self.pk}"


class PromptTag(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="prompt_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "tag"], name="prompt_tag_unique")
        ]
        indexes = [models.Index(fields=["tag"], name="prompt_tag_tag")]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.tag_id} on prompt {self.prompt_id}"


class Claim(models.Model):
    """A member's promise to fill a prompt; ``work`` is the fill, once posted
    in response to it."""

    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="claims")
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="prompt_claims"
    )
    work = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="prompt_claims"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prompt", "claimant"], name="claim_unique")
        ]
        indexes = [
            models.Index(fields=["claimant", "-created_at"], name="claim_claimant_new"),
            models.Index(fields=["work"], name="claim_work"),
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} on prompt {self.prompt_id}"


# Owned tag sets (AO3's /tag_sets) ---------------------------------------------------------

TAG_SET_TITLE_MAX_LENGTH = 255


class OwnedTagSet(models.Model):
    """A list of fandoms, characters, relationships and additional tags that
    its owners keep; others nominate tags, owners approve them. A prompt meme
    (or an exchange) may take its tags only from one."""

    title = models.CharField(max_length=TAG_SET_TITLE_MAX_LENGTH, unique=True)
    description = models.TextField(blank=True, help_text="Sanitised HTML.")
    nominations_open = models.BooleanField(default=False)
    nominations_per_type = models.PositiveIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="owned_tag_sets")
    tags = models.ManyToManyField(Tag, through="TagSetTag", related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title


class TagSetTag(models.Model):
    tag_set = models.ForeignKey(OwnedTagSet, on_delete=models.CASCADE, related_name="set_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag_set", "tag"], name="tag_set_tag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} in tag set {self.tag_set_id}"


class NominationStatus(models.TextChoices):
    PENDING = "pending", "Unreviewed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class TagNomination(models.Model):
    tag_set = models.ForeignKey(OwnedTagSet, on_delete=models.CASCADE, related_name="nominations")
    nominator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_nominations"
    )
    tag_type = models.CharField(max_length=20)
    name = models.CharField(max_length=150)
    status = models.CharField(
        max_length=10, choices=NominationStatus.choices, default=NominationStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tag_set", "nominator", "tag_type", "name"], name="tag_nomination_unique"
            )
        ]
        indexes = [models.Index(fields=["tag_set", "status"], name="tag_nomination_status")]

    def __str__(self) -> str:
        return f"{self.name} for tag set {self.tag_set_id}"
