"""The eFiction import and the claim mail as background tasks (run by
``chapterhouse worker``; see docs/background-tasks.md).

``efiction_job_run`` imports an uploaded dump for an ``ImportJob``. The
import is one transaction, so the job row cannot show progress while it
runs: progress goes to a small JSON file beside the upload (written
atomically), which the progress page reads while the job is running. The
final status and counts are written to the job after the import commits,
or the failure message after it rolled back.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ...models import ImportJob, ImportJobStatus, ImportSource

log = logging.getLogger(__name__)


def progress_path(job: ImportJob) -> Path | None:
    if not job.file:
        return None
    return Path(job.file.path + ".progress.json")


def progress_write(path: Path, *, done: int, total: int, stage: str) -> None:
    """Replace the progress file in one step, so a reader never sees half of it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"done": done, "total": total, "stage": stage}, out)
    os.replace(temporary, path)


def progress_read(job: ImportJob) -> dict | None:
    path = progress_path(job)
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def efiction_job_run(*, job_id: int) -> str:
    """Run the import of job ``job_id`` once; returns its final status."""
    from .importer import archive_import
    from .source import DumpSource

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(
            pk=job_id, source=ImportSource.EFICTION
        ).first()
        if job is None or job.status != ImportJobStatus.QUEUED:
            return job.status if job else "missing"
        job.status = ImportJobStatus.RUNNING
        job.started_at = timezone.now()
        job.stage = "Starting"
        job.save(update_fields=["status", "started_at", "stage"])
    path = progress_path(job)

    def progress(done: int, total: int, stage: str) -> None:
        if path is not None:
            progress_write(path, done=done, total=total, stage=stage)

    try:
        result = archive_import(
            source=DumpSource(job.file.path), archive=job.options.get("archive", ""),
            actor=job.owner, job=job, progress=progress,
            fallback_fandom=job.options.get("fandom", ""),
        )
    except Exception as error:  # noqa: BLE001 - any failure is the job's message
        if isinstance(error, ValidationError):
            message = " ".join(error.messages)
        else:
            log.exception("eFiction import job %s failed", job_id)
            message = f"The import stopped with an error: {error}"
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJobStatus.FAILED, message=message[:5000], finished_at=timezone.now(),
            stage="Failed",
        )
        return ImportJobStatus.FAILED
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    total = sum((result.authors, result.stories, result.series, result.reviews))
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJobStatus.DONE, result=result.as_dict(), finished_at=timezone.now(),
        stage="Finished", done=total, total=total, message=result.summary(),
    )
    return ImportJobStatus.DONE


@task(queue_name="imports")
def efiction_import_task(job_id: int) -> str:
    return efiction_job_run(job_id=job_id)


@task()
def claim_mail_send_task(email: str, placeholder_ids: list[int]) -> int:
    from .claims import claim_mail_send

    return claim_mail_send(email=email, placeholder_ids=placeholder_ids)
