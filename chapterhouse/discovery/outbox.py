"""Recording what others must learn about a write. Call inside the writing
transaction, so the event exists exactly when the write does."""

from __future__ import annotations

import threading

from .models import OutboxEvent

#: Topics in use. ``work.filter_tags`` — a work's effective filter tags changed
#: (payload: work_ids); ``work.changed`` — anything else a listing shows of a
#: work changed, or it was deleted (work_ids); ``work.posted`` — a work was
#: posted for the first time (work_ids; subscriptions are told of it);
#: ``tag.changed`` — a tag was wrangled (payload: tag_id, action).
WORK_FILTER_TAGS = "work.filter_tags"
WORK_CHANGED = "work.changed"
WORK_POSTED = "work.posted"
TAG_CHANGED = "tag.changed"


#: Set when this process records an event, so its own index looks at the
#: outbox on the next search instead of waiting for its next periodic look.
written_here = threading.Event()


def outbox_record(*, topic: str, payload: dict) -> OutboxEvent:
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    written_here.set()
    return event
