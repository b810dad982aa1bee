from django.conf import settings
from django.db import models


class InboxKind(models.TextChoices):
    COMMENT = "comment", "Comment on your work"
    REPLY = "reply", "Reply to your comment"
    CORRECTION = "correction", "Suggested correction"
    SUBSCRIPTION = "subscription", "Subscription update"
    FILTER = "filter", "New work in something you follow"
    GIFT = "gift", "A gift for you"
    ASSIGNMENT = "assignment", "Gift exchange assignment"
    INVITATION = "invitation", "Invitation to a collection"


class InboxItem(models.Model):
    """One entry in a user's inbox. ``key`` (for example ``comment:42``) makes
    delivering the same news twice a no-op."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox"
    )
    kind = models.CharField(max_length=16, choices=InboxKind.choices)
    key = models.CharField(max_length=100)
    comment = models.ForeignKey(
        "responses.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    work = models.ForeignKey(
        "works.Work", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    chapter = models.ForeignKey(
        "works.Chapter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    correction = models.ForeignKey(
        "works.Correction", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=500, blank=True, help_text="Plain text shown in the list.")
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="inboxitem_unique")]
        indexes = [models.Index(fields=["user", "read", "-created_at"], name="inbox_user_read")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class NotificationKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    REPLY = "reply", "Reply"
    KUDOS = "kudos", "Kudos (daily digest)"
    SUBSCRIPTION = "subscription", "Subscription"
    COCREATOR = "cocreator", "Co-creator invitation"
    GIFT = "gift", "Gift"
    FILTER = "filter", "New work in something you follow"
    ASSIGNMENT = "assignment", "Gift exchange assignment"
    INVITATION = "invitation", "Invitation to a collection"


class Notification(models.Model):
    """One e-mail to send (the mail outbox), recorded in the same transaction
    as its cause. ``key`` is unique: recording the same news twice does
    nothing. The sender (services/mail.py) sets ``sending_at`` and commits
    before it talks to the mail server, then sets ``sent_at``: a row with
    ``sending_at`` but no ``sent_at`` is never sent again (at most once)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sending_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When a sender took it; set and committed before the mail server is asked.",
    )
    skipped = models.BooleanField(
        default=False, help_text="Not sent: the user switched this mail off, or has no address."
    )

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["kind", "sent_at"], name="notification_kind_sent"),
            # The outbox sender's question every second: which rows wait?
            models.Index(
                fields=["id"], name="notification_waiting",
                condition=models.Q(sent_at=None, skipped=False, sending_at=None),
            ),
        ]

    def __str__(self) -> str:
        return self.key
