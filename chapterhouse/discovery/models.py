"""Discovery: finding works. For now, the outbox that the search index will
follow: every write that changes what a listing or search should show records
an event here, in the same transaction as the write."""

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
