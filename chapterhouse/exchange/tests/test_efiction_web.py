"""The admins' upload page, the background task and the progress page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.exchange.importing.efiction import tasks
from chapterhouse.exchange.models import ImportJob, ImportJobStatus, ImportSource
from chapterhouse.works.models import Work

from .test_efiction_import import ARCHIVE, SAMPLE


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin(db):
    return UserFactory(username="archivist", is_staff=True)


def _upload(name="lanternfall.sql", data=None):
    return SimpleUploadedFile(name, data if data is not None else SAMPLE.read_bytes(),
                              content_type="application/sql")


def _job(owner, data=None) -> ImportJob:
    job = ImportJob(owner=owner, source=ImportSource.EFICTION, original_name="x.sql",
                    options={"archive": ARCHIVE})
    job.file.save("x.sql", _upload(data=data), save=False)
    job.save()
    return job


def test_only_admins_see_the_upload_page(client, logged_in, user, admin):
    assert client.get("/imports/efiction/new").status_code == 302
    assert logged_in(user).get("/imports/efiction/new").status_code == 403
    page = logged_in(admin).get("/imports/efiction/new")
    assert page.status_code == 200 and b'type="file"' in page.content


def test_uploading_queues_a_job_run_by_the_worker(logged_in, admin,
                                                  django_capture_on_commit_callbacks):
    client = logged_in(admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/imports/efiction/new",
                               {"dump": _upload(), "archive": ARCHIVE, "fandom": ""})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}"
    assert job.status == ImportJobStatus.QUEUED and job.owner == admin
    assert job.file.name.startswith("imports/") and job.options["archive"] == ARCHIVE
    assert len(callbacks) == 1
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="efiction_import_task").exists()
    page = client.get(f"/imports/{job.pk}")
    assert b'http-equiv="refresh"' in page.content and b"<progress" in page.content


def test_the_worker_runs_imports_apart_from_the_quick_tasks(
    logged_in, admin, django_capture_on_commit_callbacks
):
    """A long import waits for the worker's slow pass; the quick pass (mail,
    counters) never picks it up."""
    from chapterhouse.responses.services.tasks_runner import (
        imports_run_pending,
        tasks_run_pending,
    )

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(admin).post("/imports/efiction/new",
                              {"dump": _upload(), "archive": ARCHIVE, "fandom": ""})
    job = ImportJob.objects.get()
    assert tasks_run_pending() == 0
    job.refresh_from_db()
    assert job.status == ImportJobStatus.QUEUED
    assert imports_run_pending() == 1
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and Work.objects.count() == 6


def test_the_task_imports_and_the_page_shows_the_counts(logged_in, admin):
    job = _job(admin)
    assert tasks.efiction_import_task.func(job.pk) == ImportJobStatus.DONE
    job.refresh_from_db()
    assert job.status == ImportJobStatus.DONE and job.result["stories"] == 6
    assert Work.objects.count() == 6
    assert not tasks.progress_path(job).exists()
    page = logged_in(admin).get(f"/imports/{job.pk}")
    html = page.content.decode()
    assert "Imported 4 authors, 6 stories (9 chapters), 2 series, 7 reviews." in html
    assert "http-equiv" not in html
    # Run again (a duplicated task): nothing happens twice.
    assert tasks.efiction_job_run(job_id=job.pk) == ImportJobStatus.DONE
    assert Work.objects.count() == 6


def test_a_failed_task_says_why_and_leaves_nothing(logged_in, admin):
    job = _job(admin, data=b"CREATE TABLE nothing (id int);")
    assert tasks.efiction_import_task.func(job.pk) == ImportJobStatus.FAILED
    job.refresh_from_db()
    assert "not an eFiction archive" in job.message
    page = logged_in(admin).get(f"/imports/{job.pk}").content.decode()
    assert "nothing was imported" in page and "not an eFiction archive" in page
    assert Work.objects.count() == 0


def test_progress_is_read_from_the_file_while_running(logged_in, admin):
    job = _job(admin)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)
    tasks.progress_write(tasks.progress_path(job), done=7, total=21, stage="Stories")
    html = logged_in(admin).get(f"/imports/{job.pk}").content.decode()
    assert "7 of 21" in html and "Stories" in html
    assert 'value="7"' in html and 'max="21"' in html
    assert 'http-equiv="refresh" content="2"' in html


def test_progress_is_written_while_the_import_runs(admin, monkeypatch):
    job = _job(admin)
    seen = []
    real = tasks.progress_write

    def spy(path, **values):
        real(path, **values)
        seen.append(tasks.progress_read(ImportJob.objects.get(pk=job.pk)))

    monkeypatch.setattr(tasks, "progress_write", spy)
    tasks.efiction_job_run(job_id=job.pk)
    assert seen and seen[-1]["done"] == seen[-1]["total"] == 21
    assert any(s["stage"] == "Stories" for s in seen)


def test_the_job_page_is_for_its_owner_and_admins(logged_in, admin, user):
    job = _job(admin)
    assert logged_in(user).get(f"/imports/{job.pk}").status_code == 404
    other_admin = UserFactory(username="second_admin", is_staff=True)
    assert logged_in(other_admin).get(f"/imports/{job.pk}").status_code == 200
