"""Background tasks of moderation (run by ``chapterhouse worker``; see
docs/background-tasks.md)."""

from __future__ import annotations

import datetime
import logging

from django.core.mail import send_mail
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

#: Tries before an acknowledgement is given up, and the wait between them.
ACKNOWLEDGEMENT_TRIES = 10
ACKNOWLEDGEMENT_RETRY = datetime.timedelta(minutes=1)


@task()
def report_acknowledgement_task(to: str, subject: str, body: str, tried: int = 0) -> str:
    """Mail a reporter that her report arrived. Queued in the report's own
    transaction (the task row lives in the same database), so a report that
    committed always gets its mail and one that rolled back never does, and
    the mail server's trouble never reaches the reporter's request. While the
    server refuses, the task queues itself again a minute later."""
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[to])
    except Exception:
        if tried + 1 >= ACKNOWLEDGEMENT_TRIES:
            log.exception("Gave up mailing a report's acknowledgement to its reporter.")
            return "given up"
        log.warning("Could not mail a report's acknowledgement; trying again.", exc_info=True)
        report_acknowledgement_task.using(
            run_after=timezone.now() + ACKNOWLEDGEMENT_RETRY
        ).enqueue(to, subject, body, tried + 1)
        return "retry"
    return "sent"
