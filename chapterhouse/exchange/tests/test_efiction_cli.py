"""``chapterhouse import-efiction`` run in-process."""

import pytest

from chapterhouse.cli import main
from chapterhouse.exchange.models import ImportedWork
from chapterhouse.works.models import Work

from .test_efiction_import import ARCHIVE, SAMPLE


@pytest.mark.django_db
def test_the_command_imports_and_prints_the_counts(capsys):
    assert main(["import-efiction", str(SAMPLE), "--archive", ARCHIVE]) == 0
    out, err = capsys.readouterr()
    assert "Imported 4 authors, 6 stories (9 chapters), 2 series, 7 reviews." in out
    assert "\r[" in err and "21/21" in err
    assert Work.objects.count() == 6


@pytest.mark.django_db
def test_by_names_the_admin_recorded_as_importer(capsys, user):
    user.is_staff = True
    user.save()
    assert main(["import-efiction", str(SAMPLE), "--archive", ARCHIVE, "--by",
                 user.username]) == 0
    assert set(ImportedWork.objects.values_list("imported_by", flat=True)) == {user.pk}


@pytest.mark.django_db
def test_by_must_be_an_admin(capsys, user):
    assert main(["import-efiction", str(SAMPLE), "--archive", ARCHIVE, "--by",
                 user.username]) == 1
    assert "No admin" in capsys.readouterr().err
    assert Work.objects.count() == 0


@pytest.mark.django_db
def test_a_failure_exits_1_with_the_reason_and_keeps_nothing(capsys, tmp_path):
    broken = tmp_path / "broken.sql"
    broken.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        "(9,'Ferry at Dusk',1,'','<p>The ferry left at dusk, and Nell was on it.</p>'",
        "(9,'Ferry at Dusk',1,'',''"), encoding="utf-8")
    assert main(["import-efiction", str(broken), "--archive", ARCHIVE]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "Story 6" in err
    assert Work.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_is_a_clear_failure(capsys, tmp_path):
    assert main(["import-efiction", str(tmp_path / "nope.sql"), "--archive", ARCHIVE]) == 1
    assert "Cannot read" in capsys.readouterr().err
