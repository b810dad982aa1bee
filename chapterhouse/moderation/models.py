"""What moderation keeps: reports, the audit log, sanctions on users and
admins' notes about them, site news, site-wide guest switches, blocked
addresses and samples of spam.

Business rules live in ``services/``; who may do what in ``roles.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TargetType(models.TextChoices):
    """What a report or an admin action is about."""

    WORK = "work", "Work"
    CHAPTER = "chapter", "Chapter"
    COMMENT = "comment", "Comment"
    BOOKMARK = "bookmark", "Bookmark"
    USER = "user", "User"
    NEWS = "news", "News post"
    NEWS_COMMENT = "newscomm", "News comment"


class ReportCategory(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    HARASSMENT = "harassment", "Harassment or threats"
    HATE = "hate", "Hateful content"
    WRONG_TAGS = "tags", "Wrong rating, warnings or tags"
    PLAGIARISM = "plagiarism", "Plagiarism or copied work"
    PERSONAL_INFO = "personal", "Someone's personal information"
    ILLEGAL = "illegal", "Illegal content"
    OTHER = "other", "Something else"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACTIONED = "actioned", "Action taken"
    DISMISSED = "dismissed", "Dismissed"


class Report(models.Model):
    """Someone's report of a work, chapter, comment, bookmark or user."""

    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    target_id = models.PositiveBigIntegerField()
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reports_made",
    )
    reporter_email = models.EmailField(blank=True, help_text="A guest's address for the reply.")
    reporter_address = models.GenericIPAddressField(null=True, blank=True)
    category = models.CharField(max_length=12, choices=ReportCategory.choices)
    text = models.TextField(help_text="What the reporter wrote (plain text).")
    url = models.CharField(max_length=500, blank=True, help_text="The page it was made from.")
    status = models.CharField(
        max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="report_target")]

    def __str__(self) -> str:
        return f"report {self.pk} of {self.target_type} {self.target_id}"


class AuditEntry(models.Model):
    """One admin action: who did what to which target, the state before and
    after, and why. Written in the same transaction as the action itself."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, help_text="Kept if the account goes.")
    action = models.CharField(max_length=40, db_index=True)  # "work.hide", "user.suspend", …
    target_type = models.CharField(max_length=10, choices=TargetType.choices, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "audit entries"
        # The admin permissions; roles.py gives them to roles (groups).
        permissions = [
            ("handle_reports", "Handle reports: hide, un-hide, delete, mark spam, dismiss"),
            ("sanction_users", "Warn, suspend, ban and un-suspend users"),
            ("view_user_details", "See users' addresses, admin notes and history"),
            ("post_news", "Post site news"),
            ("manage_site", "Switch guest comments and kudos; block addresses"),
            ("view_audit_log", "Read the audit log"),
            ("manage_roles", "Give and take admin roles"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.target_type} {self.target_id}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", "Warning"
    SUSPENSION = "suspension", "Suspension"
    BAN = "ban", "Ban"
    SPAM_BAN = "spam_ban", "Banned as a spammer"


class Sanction(models.Model):
    """A warning, suspension or ban of a user. Active while not lifted and
    (for a suspension) before ``until``. A warning is shown to the user until
    she acknowledges it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=10, choices=SanctionKind.choices)
    reason = models.TextField(help_text="Shown to the user.")
    until = models.DateTimeField(null=True, blank=True, help_text="Suspensions end then.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "kind"], name="sanction_user_kind")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.user_id}"


class AdminNote(models.Model):
    """What admins note about a user; never shown to her."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"note on {self.user_id}"


class NewsPost(models.Model):
    """An announcement from the admins: the front page and an Atom feed."""

    title = models.CharField(max_length=255)
    content = models.TextField(help_text="Sanitised HTML.")
    sources = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comments_enabled = models.BooleanField(default=False)
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class NewsComment(models.Model):
    """A signed-in reader's comment on a news post (when the post allows it)."""

    post = models.ForeignKey(NewsPost, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="news_comments"
    )
    content = models.TextField(help_text="Sanitised HTML.")
    hidden_by_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"comment {self.pk} on news {self.post_id}"


class SiteSettings(models.Model):
    """Site-wide switches; one row (``site_settings()`` reads or makes it)."""

    guest_comments_enabled = models.BooleanField(default=True)
    guest_kudos_enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "site settings"

    def __str__(self) -> str:
        return "site settings"


class BlockedAddress(models.Model):
    """An address or network (CIDR) whose guests may not write anything."""

    network = models.CharField(max_length=50, unique=True, help_text="1.2.3.4 or 1.2.3.0/24")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "blocked addresses"

    def __str__(self) -> str:
        return self.network


class SpamSample(models.Model):
    """What admins marked as spam, kept so guests' new comments that repeat
    it (the same text, or links to the same sites) are refused."""

    fingerprint = models.CharField(max_length=64, db_index=True, help_text="Of the plain text.")
    domains = models.JSONField(default=list, blank=True)
    source_type = models.CharField(max_length=10, choices=TargetType.choices)
    source_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"spam sample from {self.source_type} {self.source_id}"
