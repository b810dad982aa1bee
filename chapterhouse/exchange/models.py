"""What the exchange keeps: where imported works came from, long imports in
progress, and the placeholder accounts an archive import makes for its authors.

Downloads keep nothing in the database: their files are cached on disk by
work and a fingerprint of their content (``downloads/files.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportSource(models.TextChoices):
    AO3_HTML = "ao3_html", "AO3 HTML download"
    AO3_EPUB = "ao3_epub", "AO3 EPUB download"
    TEXT = "text", "Plain text"
    MARKDOWN = "markdown", "Markdown"
    DOCX = "docx", "Word document (DOCX)"
    EFICTION = "efiction", "eFiction archive"
    API = "api", "Public API"


class ImportedWork(models.Model):
    """A work brought in from elsewhere, with what the file said of its origin.

    ``original_creators`` keeps the creators' names as the file had them: the
    work page shows them when they are not (all) accounts here.
    """

    work = models.OneToOneField(
        "works.Work", on_delete=models.CASCADE, related_name="import_record"
    )
    source = models.CharField(max_length=16, choices=ImportSource.choices)
    original_url = models.URLField(max_length=500, blank=True)
    original_creators = models.CharField(max_length=500, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"import of {self.work_id} ({self.source})"


class ImportJobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A long import (an eFiction archive, many files) run by the worker.

    The progress page reads ``done`` of ``total`` and ``stage``; a failed job
    has ``message`` saying what was wrong and left nothing behind.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    source = models.CharField(max_length=16, choices=ImportSource.choices)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.QUEUED,
        db_index=True,
    )
    stage = models.CharField(max_length=100, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="Counts of what was made.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"import job {self.pk} ({self.source}, {self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportJobStatus.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class PlaceholderAccount(models.Model):
    """An account made for an author of an imported archive.

    It cannot log in until its owner claims it: she asks for a claim link
    sent to ``email`` (the address the old archive had), follows it, and
    chooses a password. ``claimed_at`` is set then.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="placeholder"
    )
    email = models.EmailField()
    archive = models.CharField(max_length=200, help_text="The imported archive's name.")
    original_id = models.CharField(max_length=64, help_text="The author's id there.")
    original_name = models.CharField(max_length=200)
    job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="placeholders"
    )
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "original_id"], name="placeholder_unique_per_archive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name} from {self.archive}"


class ImportedRecord(models.Model):
    """Which row of an imported archive became which object here, so a second
    run of the same import skips what it already brought in."""

    job = models.ForeignKey(
        ImportJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    archive = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, help_text="story, chapter, series, review, …")
    original_id = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["archive", "kind", "original_id"], name="imported_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.archive} {self.kind} {self.original_id} → {self.object_id}"
