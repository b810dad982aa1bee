"""Recording what others must learn about a write. Call inside the writing
transaction, so the event exists exactly when the write does."""

from __future__ import annotations

from .models import OutboxEvent

#: Topics in use. ``work.filter_tags`` — a work's effective filter tags changed
#: (payload: work_ids); ``tag.changed`` — a tag was wrangled (payload: tag_id, action).
WORK_FILTER_TAGS = "work.filter_tags"
TAG_CHANGED = "tag.changed"


def outbox_record(*, topic: str, payload: dict) -> OutboxEvent:
    return OutboxEvent.objects.create(topic=topic, payload=payload)
