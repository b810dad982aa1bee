"""Queued tasks: a task left running by a dead worker runs again after its lease."""

import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from chapterhouse.responses.models import NotificationKind, WorkerLease
from chapterhouse.responses.services.mail import mail_send_task
from chapterhouse.responses.services.notify import mail_record
from chapterhouse.responses.services.tasks_runner import (
    lease_renew,
    tasks_recover_expired,
    tasks_run_pending,
    worker_id,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def left_running(creator, work, settings):
    """A mail task claimed by a worker that was then killed, ten minutes ago."""
    settings.TASK_LEASE_SECONDS = 300
    note = mail_record(user=creator, kind=NotificationKind.FILTER, key="f1",
                       payload={"work_id": work.pk})
    mail_send_task.enqueue(note.pk)
    task = DBTaskResult.objects.get()
    task.claim("otherhost-4242-deadbeef")
    WorkerLease.objects.create(worker_id="otherhost-4242-deadbeef",
                               renewed_at=timezone.now() - datetime.timedelta(minutes=9))
    DBTaskResult.objects.filter(pk=task.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    return task, note


def test_a_task_left_running_by_a_dead_worker_runs_again(left_running, creator, mailoutbox):
    task, note = left_running
    assert tasks_run_pending() == 0  # still RUNNING: nobody takes it
    assert tasks_recover_expired() == 1
    assert tasks_recover_expired() == 0
    assert tasks_run_pending() == 1
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids[0] == "otherhost-4242-deadbeef" and task.worker_ids[-1] == worker_id()
    message, = mailoutbox
    assert message.to == [creator.email]
    note.refresh_from_db()
    assert note.sent_at is not None


def test_a_long_task_of_a_live_worker_is_left_alone(left_running):
    task, _ = left_running
    WorkerLease.objects.filter(worker_id="otherhost-4242-deadbeef").update(
        renewed_at=timezone.now()
    )
    assert tasks_recover_expired() == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_task_younger_than_the_lease_is_left_alone(left_running):
    task, _ = left_running
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now())
    assert tasks_recover_expired() == 0


def test_renewing_keeps_one_row_per_worker_and_drops_long_dead_ones(settings):
    settings.TASK_LEASE_SECONDS = 60
    WorkerLease.objects.create(worker_id="gone-1-x",
                               renewed_at=timezone.now() - datetime.timedelta(hours=1))
    lease_renew()
    lease_renew()
    assert list(WorkerLease.objects.values_list("worker_id", flat=True)) == [worker_id()]
