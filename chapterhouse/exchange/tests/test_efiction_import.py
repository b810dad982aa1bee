"""Importing an eFiction archive from its dump: what becomes of every row."""

import datetime
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from chapterhouse.accounts.models import User
from chapterhouse.exchange.importing.efiction import importer as importer_module
from chapterhouse.exchange.importing.efiction.importer import archive_import
from chapterhouse.exchange.importing.efiction.source import DumpSource
from chapterhouse.exchange.models import ImportedRecord, ImportedWork, PlaceholderAccount
from chapterhouse.responses.models import Comment
from chapterhouse.works.models import Chapter, Creatorship, Series, Work

SAMPLE = Path(__file__).parent / "data" / "efiction" / "efiction_sample.sql"
ARCHIVE = "Lanternfall Archive"


def _import(**kwargs):
    return archive_import(source=DumpSource(SAMPLE), archive=ARCHIVE, **kwargs)


def _work(title: str) -> Work:
    return Work.objects.get(title=title)


def _tags(work: Work) -> set[str]:
    return {t.name for t in work.tags.all()}


def assert_sample_counts() -> None:
    """The sample archive, imported: exact counts of everything made."""
    assert PlaceholderAccount.objects.filter(archive=ARCHIVE).count() == 4
    assert Work.objects.count() == 6
    assert Work.objects.filter(posted=True).count() == 5
    assert Work.objects.filter(posted=False).count() == 1
    assert Chapter.objects.count() == 9
    assert Series.objects.count() == 2
    assert Comment.objects.count() == 7
    assert ImportedRecord.objects.filter(archive=ARCHIVE).count() == 4 + 6 + 9 + 2 + 7


@pytest.mark.django_db
def test_the_sample_archive_is_imported_with_exact_counts():
    seen = []
    result = _import(progress=lambda done, total, stage: seen.append((done, total, stage)))

    assert result.summary() == "Imported 4 authors, 6 stories (9 chapters), 2 series, 7 reviews."
    assert_sample_counts()
    assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] == 4 + 6 + 2 + 9
    assert any("review(s) of series" in r for r in result.remarks)
    assert any("score but no text" in r for r in result.remarks)


@pytest.mark.django_db
def test_authors_become_placeholders_that_cannot_log_in(client):
    _import()
    okeefe = PlaceholderAccount.objects.get(original_name="R.J. O'Keefe")
    user = okeefe.user
    assert user.username == "R_J_O_Keefe"
    assert user.pseuds.get(is_default=True).name == "R J O Keefe"
    assert not user.has_usable_password()
    assert okeefe.email == "rj.okeefe@example.org" and user.email == ""
    assert not user.emailaddress_set.exists()
    assert okeefe.claimed_at is None
    dee = PlaceholderAccount.objects.get(original_name="Dée-Lune").user
    assert dee.username == "Dee_Lune"
    assert dee.pseuds.get(is_default=True).name == "Dée-Lune"
    assert not client.login(username="Quillon", password="")


@pytest.mark.django_db
def test_usernames_stay_unique_when_a_penname_is_taken(user):
    User.objects.filter(pk=user.pk).update(username="Quillon")
    _import()
    quillon = PlaceholderAccount.objects.get(original_name="Quillon").user
    assert quillon.username == "Quillon_2"
    assert quillon.pseuds.get(is_default=True).name == "Quillon"


@pytest.mark.django_db
def test_stories_keep_tags_dates_chapters_and_completion():
    _import()
    lamp = _work("The Lamplighter's Daughter")
    assert lamp.posted and lamp.complete and lamp.chapters_display == "3/3"
    assert [c.title for c in lamp.chapters.order_by("position")] == ["Oil", "Wick", "Flame"]
    assert lamp.published_on == datetime.date(2009, 4, 2)
    assert lamp.revised_at.date() == datetime.date(2009, 6, 20)
    assert _tags(lamp) >= {"General Audiences", "Creator Chose Not To Use Archive Warnings",
                           "The Glass Meridian", "Ilse Varga", "Tomas Brand", "Romance",
                           "Hurt/Comfort"}
    assert lamp.summary == "<p>Ilse inherits the <b>last lamp</b> in the Meridian.</p>" or (
        "<b>last lamp</b>" in lamp.summary)
    assert "For everyone who kept a light on." in lamp.notes
    first = lamp.chapters.get(position=1)
    assert "Set before the first story" in first.notes
    assert "Thank you for reading!" in first.endnotes
    assert ImportedWork.objects.get(work=lamp).source == "efiction"

    salt = _work("Salt Year")
    assert _tags(salt) >= {"Explicit", "Major Character Death", "F/M",
                           "Harbourlight Chronicles", "Captain Oyelaran", "Nell", "Angst"}
    assert "Creator Chose Not To Use Archive Warnings" not in _tags(salt)

    meridian = _work("Under the Meridian")
    assert not meridian.complete and meridian.chapters_display == "2/?"
    assert _tags(meridian) >= {"Not Rated", "eFiction rating: PG-13", "Mild Peril"}

    glass = _work("Glasswork")
    assert "Original Worlds" in _tags(glass)  # the parent category chosen directly


@pytest.mark.django_db
def test_html_is_sanitised_and_escapes_survive():
    _import()
    door = _work("Under the Meridian").chapters.get(position=1).content
    assert "<script" not in door and "stolen" not in door and "onclick" not in door
    assert "Ünïcödé — 日本語 — ½" in door
    assert "He said, 'It's locked,'" in door
    assert "C:\\Meridian\\Doors" in door
    plain = _work("Glasswork").chapters.get().content
    assert plain.count("<p>") == 2 and "<br>" in plain


@pytest.mark.django_db
def test_unvalidated_story_is_a_draft_of_its_author():
    _import()
    draft = _work("Draft of Tides")
    assert not draft.posted
    mara = PlaceholderAccount.objects.get(original_name="Mara Ostrova").user
    assert draft.creatorships.get().pseud.user == mara


@pytest.mark.django_db
def test_coauthors_are_credited():
    _import()
    names = set(
        Creatorship.objects.filter(work=_work("Salt Year"), accepted=True)
        .values_list("pseud__name", flat=True)
    )
    assert names == {"Quillon", "R J O Keefe"}
    assert ImportedWork.objects.get(work=_work("Salt Year")).original_creators == ""


@pytest.mark.django_db
def test_series_keep_their_order_and_all_their_creators():
    _import()
    cycle = Series.objects.get(title="Lamplight Cycle")
    assert [p.work.title for p in cycle.parts.order_by("position")] == [
        "The Lamplighter's Daughter", "Salt Year"]
    glass = Series.objects.get(title="Glass and Water")
    assert [p.work.title for p in glass.parts.order_by("position")] == [
        "Glasswork", "Ferry at Dusk"]
    assert set(glass.creators.values_list("name", flat=True)) == {"Dée-Lune", "R J O Keefe"}


@pytest.mark.django_db
def test_reviews_become_dated_comments_on_the_right_chapter():
    _import()
    lamp = _work("The Lamplighter's Daughter")
    mara = PlaceholderAccount.objects.get(original_name="Mara Ostrova").user
    by_mara = Comment.objects.get(user=mara)
    assert by_mara.chapter == lamp.chapters.get(position=1)
    assert by_mara.created_at.date() == datetime.date(2009, 4, 3)
    assert by_mara.thread_id == by_mara.pk
    guest = Comment.objects.get(guest_name="Wanderer")
    assert guest.user is None and guest.chapter == lamp.chapters.get(position=3)
    assert Comment.objects.get(work=_work("Under the Meridian"), chapter__position=2
                               ).guest_name == "Anonymous"
    scripted = Comment.objects.get(user__placeholder__original_name="R.J. O'Keefe")
    assert "<i>That door!</i>" in scripted.content and "script" not in scripted.content
    lamp.refresh_from_db()
    assert lamp.comment_count == 2


@pytest.mark.django_db
def test_a_second_run_imports_nothing_twice():
    _import()
    again = _import()
    assert again.summary() == "Imported 0 authors, 0 stories (0 chapters), 0 series, 0 reviews."
    assert_sample_counts()


@pytest.mark.django_db
def test_a_failure_halfway_leaves_nothing_behind():
    users_before = User.objects.count()
    real = importer_module.work_import
    calls = []

    def failing(**kwargs):
        calls.append(kwargs["parsed"].title)
        if len(calls) == 3:
            raise ValidationError({"content": "Chapter text breaks a rule."})
        return real(**kwargs)

    with (
        mock.patch.object(importer_module, "work_import", failing),
        pytest.raises(ValidationError) as raised,
    ):
        _import()
    assert "Story 3" in str(raised.value) and "breaks a rule" in str(raised.value)
    assert len(calls) == 3
    assert Work.objects.count() == 0
    assert User.objects.count() == users_before
    assert Comment.objects.count() == 0
    assert ImportedRecord.objects.count() == 0
    assert PlaceholderAccount.objects.count() == 0


@pytest.mark.django_db
def test_a_chapter_without_text_names_the_story():
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "'<p>The ferry left at dusk, and Nell was on it.</p>'", "''"
    )
    with pytest.raises(ValidationError, match="Story 6"):
        archive_import(source=DumpSource(text=text), archive=ARCHIVE)
    assert Work.objects.count() == 0


@pytest.mark.django_db
def test_another_table_prefix_is_found():
    text = SAMPLE.read_text(encoding="utf-8").replace("fanfiction_", "lf_")
    result = archive_import(source=DumpSource(text=text), archive=ARCHIVE)
    assert result.stories == 6 and result.reviews == 7


@pytest.mark.django_db
def test_the_imported_work_page_shows_text_tags_and_dates(client):
    _import()
    lamp = _work("The Lamplighter's Daughter")
    page = client.get(f"/works/{lamp.pk}?view_adult=true", follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "The Lamplighter&#39;s Daughter" in html or "The Lamplighter's Daughter" in html
    assert "The Glass Meridian" in html and "Ilse Varga" in html
    assert "2009-04-02" in html
    assert "Quillon" in html
    draft = _work("Draft of Tides")
    assert client.get(f"/works/{draft.pk}").status_code in (403, 404)
