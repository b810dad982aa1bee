"""Works, chapters, series and everything a writer keeps with them.

Business rules live in ``services/``; who may see what lives in
``selectors/visibility.py``. These classes only describe the tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from chapterhouse.accounts.models import Pseud
from chapterhouse.tags.models import Tag

# AO3's limits (characters).
TITLE_MAX_LENGTH = 255
SUMMARY_MAX_LENGTH = 1250
NOTES_MAX_LENGTH = 5000
CHAPTER_TITLE_MAX_LENGTH = 255
CONTENT_MAX_LENGTH = 500_000
MAX_USER_TAGS = 75
CHANGE_NOTE_MAX_LENGTH = 300


class CommentPermission(models.TextChoices):
    EVERYONE = "everyone", "Registered users and guests can comment"
    REGISTERED = "registered", "Only registered users can comment"
    NONE = "none", "No one can comment"


class WorkSkin(models.Model):
    """Creator CSS for a work, sanitised and scoped under #workskin."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_skins"
    )
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    css = models.TextField(blank=True, help_text="As the creator typed it.")
    clean_css = models.TextField(blank=True, help_text="Sanitised and scoped; what pages use.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "title"], name="skin_title_unique_per_owner")
        ]

    def __str__(self) -> str:
        return self.title


class Work(models.Model):
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    endnotes = models.TextField(blank=True)
    sources = models.JSONField(
        default=dict, blank=True,
        help_text="What the writer typed in Markdown or plain text; see services/sources.py.",
    )
    language = models.CharField(max_length=16, default="en")
    tags = models.ManyToManyField(Tag, through="WorkTag", related_name="works")

    expected_chapters = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty means unknown, shown as '?'."
    )
    complete = models.BooleanField(default=False)

    restricted = models.BooleanField(
        default=False, help_text="Only logged-in readers can see it."
    )
    comment_permission = models.CharField(
        max_length=12, choices=CommentPermission.choices, default=CommentPermission.EVERYONE
    )
    moderated_comments = models.BooleanField(default=False)
    corrections_enabled = models.BooleanField(
        default=True, help_text="Readers may propose corrections."
    )
    skin = models.ForeignKey(
        WorkSkin, null=True, blank=True, on_delete=models.SET_NULL, related_name="works"
    )
    anonymous = models.BooleanField(
        default=False,
        help_text="Shown anonymously: readers see \"Anonymous\" instead of its creators "
        "(the creator's choice, or an anonymous collection not yet revealed).",
    )
    anonymous_by_creator = models.BooleanField(
        default=False, help_text="The creator ticked \"Post anonymously\"."
    )
    # Kept by chapterhouse.collections.services (docs/collections.md).
    in_anonymous_collection = models.BooleanField(default=False)
    in_unrevealed_collection = models.BooleanField(default=False)

    # A work is a draft until it is posted; drafts never expire.
    posted = models.BooleanField(default=False, db_index=True)
    published_on = models.DateField(
        null=True, blank=True, help_text="Shown as Published; creators may backdate it."
    )
    revised_at = models.DateTimeField(
        null=True, blank=True, help_text="Shown as Updated/Completed: the last new chapter."
    )
    change_note = models.CharField(max_length=CHANGE_NOTE_MAX_LENGTH, blank=True)
    hidden_by_admin = models.BooleanField(default=False)

    word_count = models.PositiveIntegerField(default=0)
    posted_chapter_count = models.PositiveIntegerField(default=0)
    # Counters kept by the responses features.
    hit_count = models.PositiveIntegerField(default=0)
    kudos_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    bookmark_count = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # A fresh random number after every change a blurb or the work page shows
    # (services/versions.py); cached HTML of the work is keyed by it.
    version = models.BigIntegerField(default=0, db_default=0, editable=False)

    class Meta:
        indexes = [models.Index(fields=["posted", "-revised_at"], name="work_posted_revised")]

    #: Fields whose values as last read from or written to the database
    #: ``loaded_value`` answers, so a ``post_save`` receiver can tell what a
    #: save changed (discovery: first posted; works: turned anonymous).
    TRACKED_FIELDS = ("posted", "anonymous")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        """Every save draws a new ``version`` and writes it in the same INSERT
        or UPDATE (services/versions.py), ``update_fields`` or not."""
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            if not update_fields:  # Django saves nothing: nothing changes
                return super().save(*args, **kwargs)
            kwargs["update_fields"] = {*update_fields, "version"}
        from .services.versions import new_version, work_saved

        self.version = new_version()
        super().save(*args, **kwargs)
        work_saved(self.pk)
        self._remember_tracked()

    def get_absolute_url(self) -> str:
        return reverse("works:work", kwargs={"work_id": self.pk})

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._remember_tracked()
        return instance

    def _remember_tracked(self) -> None:
        # Only loaded fields: reading a deferred one would cost a query.
        loaded = self.__dict__
        self._tracked = {name: loaded[name] for name in self.TRACKED_FIELDS if name in loaded}

    def loaded_value(self, name: str, default=None):
        """``name`` (one of ``TRACKED_FIELDS``) as this instance last read or
        wrote it; ``default`` for a new instance or a deferred field."""
        return getattr(self, "_tracked", {}).get(name, default)

    @property
    def chapters_display(self) -> str:
        """AO3's chapter count: "3/5", or "3/?" when the total is unknown."""
        expected = "?" if self.expected_chapters is None else str(self.expected_chapters)
        return f"{self.posted_chapter_count}/{expected}"


class WorkTag(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0, help_text="The order the creator typed.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "tag"], name="worktag_unique")]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.work_id}:{self.tag_id}"


class Creatorship(models.Model):
    """A pseud credited on a work. Co-creators are invited and must accept."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="creatorships")
    pseud = models.ForeignKey(Pseud, on_delete=models.CASCADE, related_name="creatorships")
    accepted = models.BooleanField(default=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "pseud"], name="creatorship_unique")
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.pseud_id} on {self.work_id}"


class Chapter(models.Model):
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="chapters")
    position = models.PositiveIntegerField(help_text="1-based order among the work's chapters.")
    title = models.CharField(max_length=CHAPTER_TITLE_MAX_LENGTH, blank=True)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    endnotes = models.TextField(blank=True)
    content = models.TextField(blank=True, help_text="Sanitised HTML.")
    sources = models.JSONField(
        default=dict, blank=True,
        help_text="What the writer typed in Markdown or plain text; see services/sources.py.",
    )
    word_count = models.PositiveIntegerField(default=0)

    posted = models.BooleanField(default=False, db_index=True)
    scheduled_for = models.DateTimeField(
        null=True, blank=True, help_text="Posted by the background task at this time."
    )
    published_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["work_id", "position"]
        indexes = [models.Index(fields=["work", "position"], name="chapter_work_position")]

    def __str__(self) -> str:
        return f"Chapter {self.position} of {self.work_id}"

    def get_absolute_url(self) -> str:
        return reverse("works:chapter", kwargs={"work_id": self.work_id, "chapter_id": self.pk})


class Series(models.Model):
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    complete = models.BooleanField(default=False)
    creators = models.ManyToManyField(Pseud, related_name="series")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("works:series", kwargs={"series_id": self.pk})


class SeriesWork(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="parts")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="series_parts")
    position = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "work"], name="serieswork_unique")
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"Part {self.position} of {self.series_id}"


class Gift(models.Model):
    """A work given to someone: a user here, or a name with no account."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="gifts")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="gifts_received",
    )
    recipient_name = models.CharField(max_length=100, blank=True)
    refused = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"gift of {self.work_id}"


class RelatedWork(models.Model):
    """This work was inspired by, or translates, another work here or elsewhere."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(
        Work, null=True, blank=True, on_delete=models.CASCADE, related_name="child_links"
    )
    url = models.URLField(blank=True)
    external_title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    external_author = models.CharField(max_length=100, blank=True)
    translation = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.work_id} ← {self.parent_id or self.url}"


class ChapterRevision(models.Model):
    """A chapter as it was before an edit. The newest text is on the chapter."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=CHAPTER_TITLE_MAX_LENGTH, blank=True)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    endnotes = models.TextField(blank=True)
    content = models.TextField(blank=True)
    word_count = models.PositiveIntegerField(default=0)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(
        max_length=200, blank=True, help_text="Why the text changed: edit, correction, restore."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"revision of chapter {self.chapter_id} at {self.created_at:%Y-%m-%d %H:%M}"


class WorkRevision(models.Model):
    """The work's own texts (title, summary, notes) as they were before an edit."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    endnotes = models.TextField(blank=True)
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"revision of work {self.work_id}"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DISMISSED = "dismissed", "Dismissed"


class Correction(models.Model):
    """A reader's proposed fix to a passage of a chapter."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="corrections")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="corrections_proposed"
    )
    passage = models.TextField(help_text="The text as the reader saw it.")
    replacement = models.TextField(help_text="What the reader suggests instead.")
    message = models.TextField(blank=True)
    context_before = models.TextField(blank=True)
    context_after = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING,
        db_index=True,
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"correction to chapter {self.chapter_id}"


class EditDraft(models.Model):
    """Form text saved as the writer types, or rescued from a failed post.

    ``key`` names the form: ``work:new``, ``work:ID``, ``chapter:new:WORKID``,
    ``chapter:ID``. The form offers the saved text back until it is posted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="edit_drafts"
    )
    key = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="editdraft_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} of {self.user_id}"
