"""Recording what others must learn about a write. Call inside the writing
transaction, so the event exists exactly when the write does."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager

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


_batch = threading.local()


def outbox_record(*, topic: str, payload: dict) -> OutboxEvent:
    """Record an event now, or at the end of the ``outbox_batch`` around it
    (then the event returned is not saved yet)."""
    pending = getattr(_batch, "events", None)
    if pending is not None:
        event = OutboxEvent(topic=topic, payload=payload)
        pending.setdefault((topic, json.dumps(payload, sort_keys=True)), event)
        return event
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    written_here.set()
    return event


@contextmanager
def outbox_batch():
    """Events recorded inside are written on the way out, in one INSERT, in the
    order first recorded, an event recorded twice (same topic and payload) once.
    Call it inside the writing transaction; nested batches join the outer one.
    Nothing is written when the block raises (its transaction rolls back). An
    event recorded in a savepoint that rolled back while the block went on is
    still written: events only name works, and their readers look the works
    up afresh (a missing or unposted one is skipped), so it costs a re-read."""
    if getattr(_batch, "events", None) is not None:
        yield
        return
    _batch.events = {}
    try:
        yield
        events = list(_batch.events.values())
    finally:
        _batch.events = None
    if events:
        OutboxEvent.objects.bulk_create(events)
        written_here.set()
