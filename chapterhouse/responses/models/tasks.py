from django.db import models


class WorkerLease(models.Model):
    """A live worker process: it renews ``renewed_at`` every few seconds while
    it lives (tasks_runner.py). A task left RUNNING by a worker whose lease
    has run out is put back in the queue."""

    worker_id = models.CharField(max_length=120, unique=True)
    renewed_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.worker_id
