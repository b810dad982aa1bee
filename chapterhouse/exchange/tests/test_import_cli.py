"""``chapterhouse import FILE...``, run in-process through ``chapterhouse.cli.main``."""

from __future__ import annotations

from pathlib import Path

import pytest

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.cli import main
from chapterhouse.exchange.models import ImportedWork
from chapterhouse.works.models import Work

DATA = Path(__file__).parent / "data" / "plain"
LAMPLIGHTER = str(DATA / "lamplighter.txt")
ORCHARD = str(DATA / "tin_orchard.md")

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="archivist", is_staff=True, is_superuser=True)


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_imports_files_as_the_first_superuser_and_prints_a_line_each(superuser, capsys):
    code = main(["import", LAMPLIGHTER, ORCHARD, "--fandom", "Harbour Lights (Film)"])

    out = capsys.readouterr().out.splitlines()
    lamp = Work.objects.get(title="The Lamplighter's Year")
    orchard = Work.objects.get(title="The Tin Orchard")
    assert code == 0
    assert out == [
        f"Imported 'The Lamplighter's Year' → /works/{lamp.pk} (3 chapters)",
        f"Imported 'The Tin Orchard' → /works/{orchard.pk} (2 chapters)",
    ]
    assert lamp.posted and orchard.posted
    assert lamp.creatorships.get().pseud.user == superuser
    assert lamp.endnotes.startswith("<p>Thanks to Petra")
    assert {t.name for t in lamp.tags.all()} >= {"Harbour Lights (Film)"}


def test_draft_flag_saves_drafts(superuser, capsys):
    assert main(["import", LAMPLIGHTER, "--fandom", "Original Work", "--draft"]) == 0
    assert not Work.objects.get().posted
    assert "as a draft" in capsys.readouterr().out


def test_a_failed_file_is_skipped_leaves_nothing_and_the_exit_code_is_1(superuser, tmp_path,
                                                                        capsys):
    bad = _write(tmp_path, "story.pdf", "%PDF")
    # Too short to post: work_import refuses it, and nothing of it stays.
    short = _write(tmp_path, "short.txt", "Tiny\n\nHi.")
    code = main(["import", bad, LAMPLIGHTER, short, str(tmp_path / "missing.txt"),
                 "--fandom", "Original Work"])

    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert out[0].startswith(f"skipped {bad}: story.pdf is not a file we can import")
    assert out[1].startswith("Imported 'The Lamplighter's Year'")
    assert out[2].startswith(f"skipped {short}: ") and "10 characters" in out[2]
    assert out[3].startswith(f"skipped {tmp_path / 'missing.txt'}: ")
    assert list(Work.objects.values_list("title", flat=True)) == ["The Lamplighter's Year"]
    assert ImportedWork.objects.count() == 1


def test_a_file_without_a_fandom_is_skipped_with_the_reason(superuser, capsys):
    assert main(["import", LAMPLIGHTER]) == 1
    assert "fandom" in capsys.readouterr().out.lower()
    assert not Work.objects.exists()


def test_as_imports_for_a_user_by_the_named_admin(superuser, capsys):
    admin = UserFactory(username="second_admin", is_staff=True)
    owner = UserFactory(username="junebug_test")
    code = main(["import", LAMPLIGHTER, "--as", "junebug_test", "--by", "second_admin",
                 "--fandom", "Original Work"])

    work = Work.objects.get()
    assert code == 0
    assert work.creatorships.get().pseud.user == owner
    assert ImportedWork.objects.get(work=work).imported_by == admin


def test_as_without_by_uses_the_first_superuser(superuser, capsys):
    owner = UserFactory(username="junebug_test")
    assert main(["import", LAMPLIGHTER, "--as", "junebug_test",
                 "--fandom", "Original Work"]) == 0
    work = Work.objects.get()
    assert work.creatorships.get().pseud.user == owner
    assert ImportedWork.objects.get(work=work).imported_by == superuser


def test_a_non_admin_by_cannot_import_for_others(superuser, capsys):
    UserFactory(username="plain_reader")
    UserFactory(username="junebug_test")
    code = main(["import", LAMPLIGHTER, "--as", "junebug_test", "--by", "plain_reader",
                 "--fandom", "Original Work"])
    assert code == 2
    assert "not an admin" in capsys.readouterr().err
    assert not Work.objects.exists()


def test_unknown_users_and_no_admin_are_explained(db, capsys):
    assert main(["import", LAMPLIGHTER, "--fandom", "x"]) == 2
    assert "createadmin" in capsys.readouterr().err
    UserFactory(username="archivist", is_staff=True, is_superuser=True)
    assert main(["import", LAMPLIGHTER, "--as", "nobody_here", "--fandom", "x"]) == 2
    assert "There is no user called nobody_here." in capsys.readouterr().err


def test_match_creators_credits_the_account_with_that_name(superuser, monkeypatch, capsys):
    from chapterhouse.exchange.importing.parsed import ParsedChapter, ParsedWork

    def fake_parse(filename, data):
        return ParsedWork(title="Matched", creators=["mireille_here"],
                          fandoms=["Original Work"],
                          chapters=[ParsedChapter(content="<p>A long enough text.</p>")])

    monkeypatch.setattr("chapterhouse.exchange.importing.files.parse_upload", fake_parse)
    mireille = UserFactory(username="mireille_here")
    assert main(["import", LAMPLIGHTER, "--match-creators"]) == 0
    assert Work.objects.get().creatorships.get().pseud.user == mireille


def test_many_files_draw_a_progress_bar_on_stderr(superuser, tmp_path, capsys):
    paths = [_write(tmp_path, f"part_{n}.txt", f"Part {n}\n\nThe tide came in again, {n}.")
             for n in range(5)]
    assert main(["import", *paths, "--fandom", "Original Work"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 5
    assert "5/5" in captured.err and "[" + "#" * 30 + "]" in captured.err
    assert Work.objects.count() == 5


def test_few_files_draw_no_bar(superuser, capsys):
    main(["import", LAMPLIGHTER, "--fandom", "Original Work"])
    assert capsys.readouterr().err == ""
