"""Writers get back what they typed: Markdown stays Markdown in the edit form."""

import pytest

from chapterhouse.tags import fixed
from chapterhouse.works.services import chapters as chapter_services
from chapterhouse.works.services import posting
from chapterhouse.works.services.corrections import correction_accept, correction_propose
from chapterhouse.works.services.tagging import TagChoice
from chapterhouse.works.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARKDOWN = "The *lamp* burned.\n\nThe **ferry** answered."


def _markdown_work(user):
    fields = posting.WorkFields(
        title="Signals",
        summary="A *short* summary.",
        summary_format="markdown",
        content=MARKDOWN,
        content_format="markdown",
        tags=TagChoice(rating=fixed.GENERAL, warnings=[fixed.NO_WARNINGS_APPLY],
                       fandoms="Harbour Lights (TV)"),
    )
    return posting.work_create(user=user, fields=fields, post=True)


def test_edit_form_gets_the_markdown_back(user):
    work = _markdown_work(user)
    chapter = work.chapters.get()
    assert "<em>lamp</em>" in chapter.content
    fields = posting.work_fields_of(work)
    assert (fields.content, fields.content_format) == (MARKDOWN, "markdown")
    assert (fields.summary, fields.summary_format) == ("A *short* summary.", "markdown")
    again = chapter_services.chapter_fields_of(chapter)
    assert (again.content, again.content_format) == (MARKDOWN, "markdown")


def test_html_changed_since_falls_back_to_the_html(user):
    work = _markdown_work(user)
    chapter = work.chapters.get()
    reader = UserFactory()
    correction = correction_propose(
        reader=reader, chapter=chapter, passage="burned", replacement="glowed", message=""
    )
    correction_accept(user=user, correction=correction)
    chapter.refresh_from_db()
    fields = chapter_services.chapter_fields_of(chapter)
    assert fields.content_format == "html"
    assert "glowed" in fields.content


def test_the_chapter_edit_page_shows_the_markdown_and_its_format(user_client, user):
    from bs4 import BeautifulSoup

    work = _markdown_work(user)
    chapter = work.chapters.get()
    page = BeautifulSoup(
        user_client.get(f"/works/{work.pk}/chapters/{chapter.pk}/edit").content, "html.parser"
    )
    assert page.select_one("#id_content").get_text().strip() == MARKDOWN
    assert page.select_one("#id_content_format option[selected]")["value"] == "markdown"
