from django.conf import settings
from django.db import models
from django.db.models import Q


class ExternalWork(models.Model):
    """A work kept elsewhere that a reader bookmarks here."""

    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=255)
    creator = models.CharField(max_length=255)
    summary = models.TextField(blank=True, help_text="Sanitised HTML.")
    tags = models.ManyToManyField("tags.Tag", through="ExternalWorkTag", related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_by_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class ExternalWorkTag(models.Model):
    """The external work's fandoms, rating, relationships and characters, as tags."""

    external_work = models.ForeignKey(ExternalWork, on_delete=models.CASCADE)
    tag = models.ForeignKey("tags.Tag", on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["external_work", "tag"], name="externalworktag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.external_work_id}:{self.tag_id}"


class Bookmark(models.Model):
    """A reader's bookmark of exactly one work, series or external work, made
    under one of her pseuds, with her notes and tags."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    pseud = models.ForeignKey("accounts.Pseud", on_delete=models.CASCADE, related_name="bookmarks")
    work = models.ForeignKey(
        "works.Work", null=True, blank=True, on_delete=models.CASCADE, related_name="bookmarks"
    )
    series = models.ForeignKey(
        "works.Series", null=True, blank=True, on_delete=models.CASCADE, related_name="bookmarks"
    )
    external_work = models.ForeignKey(
        ExternalWork, null=True, blank=True, on_delete=models.CASCADE, related_name="bookmarks"
    )
    notes = models.TextField(blank=True, help_text="Sanitised HTML.")
    tags = models.ManyToManyField("tags.Tag", through="BookmarkTag", related_name="bookmarks")
    private = models.BooleanField(default=False)
    rec = models.BooleanField(default=False)
    hidden_by_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(work__isnull=False, series__isnull=True, external_work__isnull=True)
                    | Q(work__isnull=True, series__isnull=False, external_work__isnull=True)
                    | Q(work__isnull=True, series__isnull=True, external_work__isnull=False)
                ),
                name="bookmark_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "work"], condition=Q(work__isnull=False),
                name="bookmark_one_per_work",
            ),
            models.UniqueConstraint(
                fields=["user", "series"], condition=Q(series__isnull=False),
                name="bookmark_one_per_series",
            ),
            models.UniqueConstraint(
                fields=["user", "external_work"], condition=Q(external_work__isnull=False),
                name="bookmark_one_per_external",
            ),
        ]
        indexes = [
            models.Index(fields=["work", "-created_at"], name="bookmark_work_created"),
            models.Index(fields=["user", "-created_at"], name="bookmark_user_created"),
        ]

    def __str__(self) -> str:
        return f"bookmark {self.pk}"


class BookmarkTag(models.Model):
    """A tag the bookmarker gave, in the order she typed them."""

    bookmark = models.ForeignKey(Bookmark, on_delete=models.CASCADE)
    tag = models.ForeignKey("tags.Tag", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bookmark", "tag"], name="bookmarktag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bookmark_id}:{self.tag_id}"
