"""Running the queued background tasks (mail, …) inside the worker process.

Tasks are queued in the database by django-tasks' database backend
(settings.TASKS). ``tasks_run_pending`` takes ready tasks one at a time the
way django_tasks_db's own worker does (the row locked with SKIP LOCKED and
claimed in an exclusive transaction, so two workers never take the same
task), runs each with that worker's ``run_task`` (which records success or
failure), and returns when the queue is empty or ``max_tasks`` ran.

Leases: every worker process has an id (host, pid and a random part) and a
``WorkerLease`` row it renews every tenth of ``settings.TASK_LEASE_SECONDS``
from a thread of its own (``lease_keep``), so a long task keeps its lease.
``tasks_recover_expired`` puts a task left RUNNING by a worker whose lease
ran out (the process was killed, its host died) back in the queue, so it runs
again: tasks run at least once, and every task must do no harm twice (the
mail task locks and marks its ``Notification``, services/mail.py; an import
skips what it imported before).
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import OperationalError, close_old_connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from ..models import WorkerLease

log = logging.getLogger(__name__)

BACKEND = "default"
QUEUES = ["default"]
#: Long imports (an eFiction archive): one at a time, on the worker's slow pass.
IMPORT_QUEUES = ["imports"]


_process_id: tuple[int, str] | None = None


def worker_id() -> str:
    """This process's worker id (a new one after a fork)."""
    global _process_id
    if _process_id is None or _process_id[0] != os.getpid():
        name = f"{socket.gethostname()[:60]}-{os.getpid()}-{get_random_string(8)}"
        _process_id = (os.getpid(), name)
    return _process_id[1]


def lease_renew() -> None:
    """Renew this process's lease (and drop leases long run out)."""
    now = timezone.now()
    WorkerLease.objects.update_or_create(worker_id=worker_id(), defaults={"renewed_at": now})
    lease = datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    WorkerLease.objects.filter(renewed_at__lt=now - 10 * lease).delete()


def lease_keep(log_to: logging.Logger = log) -> threading.Thread:
    """Renew this process's lease every tenth of the lease on a daemon thread."""

    def loop() -> None:
        while True:
            try:
                lease_renew()
            except Exception:  # the database may be away for a moment
                log_to.exception("Could not renew the worker's lease; trying again shortly.")
            finally:
                close_old_connections()
            time.sleep(max(0.2, settings.TASK_LEASE_SECONDS / 10))

    thread = threading.Thread(target=loop, name="worker-lease", daemon=True)
    thread.start()
    return thread


def tasks_recover_expired(*, now: datetime.datetime | None = None) -> int:
    """Put back in the queue every task RUNNING for longer than the lease
    whose worker's lease has run out; returns how many. Safe to run from
    several workers at once (one conditional UPDATE per task)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
    stale = list(DBTaskResult.objects.filter(
        backend_name=BACKEND, status="RUNNING", started_at__lt=cutoff
    ).values_list("pk", "worker_ids", "started_at"))
    if not stale:
        return 0
    alive = set(
        WorkerLease.objects.filter(renewed_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    recovered = 0
    for pk, worker_ids, started_at in stale:
        if worker_ids and worker_ids[-1] in alive:
            continue  # a long task whose worker still lives
        with transaction.atomic():
            recovered += DBTaskResult.objects.filter(
                pk=pk, status="RUNNING", started_at=started_at
            ).update(status="READY", started_at=None)
        log.warning("Task %s was left running by %s, whose lease ran out; queued again.",
                    pk, worker_ids[-1] if worker_ids else "no worker")
    return recovered


def _worker(queues: list[str]) -> Worker:
    return Worker(
        queue_names=queues, interval=0, batch=True, backend_name=BACKEND,
        startup_delay=False, max_tasks=None,
        worker_id=worker_id(), excluded_queue_names=[],
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
        if not ran:
            lease_renew()  # also without the lease thread (tests, `worker --once`)
        worker.run_task(found)
        ran += 1
    if ran:
        log.info("Ran %d queued task(s).", ran)
    return ran


def imports_run_pending() -> int:
    """Run the next queued long import, if any (the worker's slow pass)."""
    return tasks_run_pending(max_tasks=1, queues=IMPORT_QUEUES)
