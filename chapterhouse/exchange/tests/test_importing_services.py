"""The one door from a parsed file to a work: ``work_import``."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.exchange.importing.parsed import (
    ImportProblem,
    ParsedChapter,
    ParsedSeries,
    ParsedWork,
)
from chapterhouse.exchange.importing.services import work_import
from chapterhouse.exchange.models import ImportedWork, ImportSource
from chapterhouse.works.models import Work
from chapterhouse.works.selectors.visibility import can_view_work


def _parsed(**overrides) -> ParsedWork:
    values = dict(
        title="Tidewater",
        creators=["Someone Elsewhere"],
        rating="Mature",
        warnings=["Graphic Depictions Of Violence"],
        categories=["F/M"],
        fandoms=["Harbour Lights (Film)"],
        relationships=["Ada/Quill"],
        characters=["Ada", "Quill"],
        freeforms=["Lighthouses", "Storms"],
        language="English",
        series=[ParsedSeries("The Coast Cycle", 2)],
        summary="<p>Two keepers and a storm.</p>",
        notes="<p>Begin notes.</p>",
        endnotes="<p>The title came from a song.</p>",
        chapters=[
            ParsedChapter(title="Ebb", notes="<p>Chapter note.</p>",
                          content="<p>The lamp went out at nine.</p>",
                          published_on=datetime.date(2021, 3, 4)),
            ParsedChapter(title="Flood", content="<p>By morning the sea had come in.</p>",
                          published_on=datetime.date(2021, 5, 6)),
        ],
        published_on=datetime.date(2021, 3, 4),
        updated_on=datetime.date(2021, 5, 6),
        expected_chapters=3,
        original_url="https://example.org/works/77",
        source=ImportSource.AO3_HTML,
    )
    values.update(overrides)
    return ParsedWork(**values)


@pytest.mark.django_db
def test_import_posts_work_with_tags_chapters_and_the_files_dates(user):
    work = work_import(actor=user, parsed=_parsed())

    assert work.posted and work.title == "Tidewater"
    names = {t.name for t in work.tags.all()}
    assert {"Mature", "Graphic Depictions Of Violence", "F/M", "Harbour Lights (Film)",
            "Ada/Quill", "Ada", "Quill", "Lighthouses", "Storms"} <= names
    chapters = list(work.chapters.order_by("position"))
    assert [c.title for c in chapters] == ["Ebb", "Flood"]
    assert [c.published_on for c in chapters] == [datetime.date(2021, 3, 4),
                                                  datetime.date(2021, 5, 6)]
    assert chapters[0].notes == "<p>Chapter note.</p>"
    assert work.published_on == datetime.date(2021, 3, 4)
    assert work.revised_at.date() == datetime.date(2021, 5, 6)
    assert work.chapters_display == "2/3" and not work.complete
    assert work.endnotes == "<p>The title came from a song.</p>"
    assert work.series_parts.get().series.title == "The Coast Cycle"
    record = ImportedWork.objects.get(work=work)
    assert record.original_creators == "Someone Elsewhere"
    assert record.imported_by == user


@pytest.mark.django_db
def test_import_as_draft_is_seen_by_its_owner_only(user, other_user):
    work = work_import(actor=user, parsed=_parsed(rating="", warnings=[]), post=False)
    assert not work.posted
    assert {t.name for t in work.tags.all()} >= {
        "Not Rated", "Creator Chose Not To Use Archive Warnings"}
    assert can_view_work(user, work) and not can_view_work(other_user, work)


@pytest.mark.django_db
def test_import_that_breaks_a_rule_leaves_nothing_behind(user):
    too_long = "x" * 300
    with pytest.raises(ValidationError):
        work_import(actor=user, parsed=_parsed(title=too_long))
    assert not user.pseuds.first().creatorships.exists()
    assert not ImportedWork.objects.exists()


@pytest.mark.django_db
def test_import_without_fandom_says_so(user):
    with pytest.raises(ValidationError) as error:
        work_import(actor=user, parsed=_parsed(fandoms=[]), post=False)
    assert "fandom" in str(error.value.message_dict["fandoms"])


@pytest.mark.django_db
def test_file_without_text_is_refused(user):
    with pytest.raises(ImportProblem, match="no chapter text"):
        work_import(actor=user, parsed=_parsed(chapters=[ParsedChapter(content="  ")]))


@pytest.mark.django_db
def test_only_admins_import_for_others_and_match_creators(user, other_user):
    with pytest.raises(PermissionDenied):
        work_import(actor=user, parsed=_parsed(), owner=other_user)
    admin = UserFactory(username="archivist", is_staff=True)
    author = UserFactory(username="someone_here")
    work = work_import(actor=admin, parsed=_parsed(creators=["someone_here"]),
                       match_creators=True)
    assert [c.pseud.user for c in work.creatorships.all()] == [author]
    assert ImportedWork.objects.get(work=work).original_creators == ""


@pytest.mark.django_db
def test_work_page_says_where_an_imported_work_came_from(user, client):
    work = work_import(actor=user, parsed=_parsed())
    page = client.get(f"/works/{work.pk}?view_adult=true&view_full_work=true")
    note = BeautifulSoup(page.content, "html.parser").select_one("ul.associations li.imported")
    assert note.get_text(" ", strip=True) == (
        "Imported; originally by Someone Elsewhere, from https://example.org/works/77 ."
    )
    assert note.a["href"] == "https://example.org/works/77"


@pytest.mark.django_db
def test_only_web_addresses_are_kept_as_the_original(user, client):
    work = work_import(actor=user, parsed=_parsed(original_url="javascript:alert(1)"))
    assert ImportedWork.objects.get(work=work).original_url == ""
    page = client.get(f"/works/{work.pk}?view_adult=true&view_full_work=true")
    assert b"javascript:" not in page.content


@pytest.mark.django_db
def test_anonymous_imported_work_does_not_name_its_original_creators(user, client):
    work = work_import(actor=user, parsed=_parsed())
    Work.objects.filter(pk=work.pk).update(anonymous=True)
    page = client.get(f"/works/{work.pk}?view_adult=true&view_full_work=true")
    assert b"Someone Elsewhere" not in page.content
