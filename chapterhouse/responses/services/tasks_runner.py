"""Running the queued background tasks (mail, …) inside the worker process.

Tasks are queued in the database by django-tasks' database backend
(settings.TASKS). ``tasks_run_pending`` takes ready tasks one at a time the
way django_tasks_db's own worker does (the row locked with SKIP LOCKED and
claimed in an exclusive transaction, so two workers never take the same
task), runs each with that worker's ``run_task`` (which records success or
failure), and returns when the queue is empty or ``max_tasks`` ran.

A task that is run twice anyway must do no harm twice: the mail task locks
and marks its ``Notification`` (services/mail.py).
"""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

log = logging.getLogger(__name__)

BACKEND = "default"
QUEUES = ["default"]
#: Long imports (an eFiction archive): one at a time, on the worker's slow pass.
IMPORT_QUEUES = ["imports"]


def _worker(queues: list[str]) -> Worker:
    return Worker(
        queue_names=queues, interval=0, batch=True, backend_name=BACKEND,
        startup_delay=False, max_tasks=None,
        worker_id=f"chapterhouse-{get_random_string(16)}", excluded_queue_names=[],
    )


def _claim_next(worker: Worker) -> DBTaskResult | None:
    ready = DBTaskResult.objects.ready().filter(
        backend_name=BACKEND, queue_name__in=worker.queue_names
    )
    try:
        with exclusive_transaction(ready.db):
            found = ready.get_locked()
            if found is not None:
                found.claim(worker.worker_id)
            return found
    except OperationalError as error:
        if is_locked_database_exception(error):  # SQLite busy: try again next time
            return None
        raise


def tasks_run_pending(*, max_tasks: int = 100, queues: list[str] | None = None) -> int:
    """Run up to ``max_tasks`` ready tasks of ``queues`` (the quick ones by
    default) in this process; returns how many ran. Meant to be called every
    second or so by ``chapterhouse worker``."""
    worker = _worker(queues or QUEUES)
    ran = 0
    while ran < max_tasks:
        found = _claim_next(worker)
        if found is None:
            break
        worker.run_task(found)
        ran += 1
    if ran:
        log.info("Ran %d queued task(s).", ran)
    return ran


def imports_run_pending() -> int:
    """Run the next queued long import, if any (the worker's slow pass)."""
    return tasks_run_pending(max_tasks=1, queues=IMPORT_QUEUES)
