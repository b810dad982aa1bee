"""Discovery: finding works.

- ``OutboxEvent``: every write that changes what a listing or search shows
  records an event here, in the same transaction as the write; each node's
  indexer follows the events (see docs/search-index.md).
- ``UserMute`` / ``TagMute``: a reader's mutes. Muted works are left out of the
  reader's listings, searches and counts on the server.
- ``SavedFilter``: a listing filter saved under a name.
- ``FilterSubscription`` / ``FilterNotification``: a reader follows a tag or a
  saved filter and is told of new matching works.
"""

from django.conf import settings
from django.db import models


class OutboxEvent(models.Model):
    topic = models.CharField(max_length=40, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.topic} {self.pk}"


class UserMute(models.Model):
    """``user`` no longer sees works by ``muted`` in listings and searches.

    Anonymous works are never left out for a muted creator: doing so would tell
    the reader who wrote them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_mutes"
    )
    muted = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "muted"], name="usermute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes user {self.muted_id}"


class TagMute(models.Model):
    """``user`` always excludes works listed under ``tag`` (and its synonyms
    and subtags, as filters do)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_mutes"
    )
    tag = models.ForeignKey("tags.Tag", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tag"], name="tagmute_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes tag {self.tag_id}"


class SavedFilter(models.Model):
    """A listing filter a reader saved: ``query`` is the listing's query string
    (AO3's parameter names), replayed against ``/works``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(max_length=100)
    query = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedfilter_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class FilterSubscription(models.Model):
    """A reader follows a tag or one of her saved filters (exactly one is set)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filter_subscriptions"
    )
    tag = models.ForeignKey(
        "tags.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    saved_filter = models.ForeignKey(
        SavedFilter, null=True, blank=True, on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(tag__isnull=False, saved_filter__isnull=True)
                    | models.Q(tag__isnull=True, saved_filter__isnull=False)
                ),
                name="filtersubscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=models.Q(tag__isnull=False),
                name="filtersubscription_tag_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "saved_filter"], condition=models.Q(saved_filter__isnull=False),
                name="filtersubscription_filter_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.tag_id or self.saved_filter_id}"


class FilterNotification(models.Model):
    """A new work matched a subscription. Recorded here; delivered (inbox,
    email digest) by the responses features."""

    subscription = models.ForeignKey(
        FilterSubscription, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filter_notifications"
    )
    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "work"], name="filternotification_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: work {self.work_id}"
