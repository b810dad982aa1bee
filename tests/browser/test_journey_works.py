"""A writer posts a two-chapter work, loses a tab mid-chapter and loses nothing,
edits chapter one after a rewatch; a reader suggests a correction and the
writer accepts it."""

import pytest
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.models import Chapter, ChapterRevision, Correction, Work

# Transactional, so that the live server sees the data.
from .journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAPTER_ONE = (
    "The ferry horn sounded twice across the harbour.\n\n"
    "Ines counted the seconds between the beams, the way her mother taught her."
)
CHAPTER_TWO = "Teodor wound the lamp for eleven minutes, the same as always."
CHAPTER_THREE = "Morning came grey and slow over the causeway, and the light went out on time."


def fill_plain(page, field: str, text: str) -> None:
    page.locator(f"#id_{field}_format").select_option("plain")
    page.locator(f"#id_{field}").fill(text)


def test_post_lose_nothing_edit_and_accept_a_correction(browser, live_server, artifacts):
    writer, reader = UserFactory(username="wren"), UserFactory(username="lark")
    writing = browser.new_context(base_url=live_server.url)
    writing.set_default_timeout(15_000)
    page = writing.new_page()
    log_in(page, "wren")

    # Post a work with tags and end notes.
    page.get_by_role("link", name="Post New Work").click()
    page.locator("#id_rating").select_option("11")
    page.locator("#id_warnings_1").check()
    page.locator("#id_fandoms").fill("Harbour Lights (TV)")
    page.locator("#id_categories_1").check()
    page.locator("#id_relationships").fill("Ines/Teodor")
    page.locator("#id_characters").fill("Ines, Teodor")
    page.locator("#id_freeforms").fill("Lighthouses, Slow Burn")
    page.locator("#id_title").fill("Salt and Signal")
    fill_plain(page, "summary", "A lamp, a ferry, and a keeper who has to decide.")
    fill_plain(page, "endnotes", "The title came from a song. Tell me about any glaring error!")
    page.locator("#id_chapter_title").fill("Arrival")
    fill_plain(page, "content", CHAPTER_ONE)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("h2.title.heading")).to_contain_text("Salt and Signal")
    expect(page.locator("dd.relationship.tags a.tag")).to_have_text(["Ines/Teodor"])
    expect(page.locator("#work_endnotes blockquote.userstuff")).to_contain_text("a song")
    work = Work.objects.get(title="Salt and Signal")
    assert work.posted

    # Chapter two.
    page.goto(f"/works/{work.pk}/chapters/new")
    page.locator("#id_title").fill("The Lamp")
    fill_plain(page, "content", CHAPTER_TWO)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("dd.chapters")).to_have_text("2/?")

    # Chapter three: type, let the autosave run, close the tab.
    page.goto(f"/works/{work.pk}/chapters/new")
    page.locator("#id_title").fill("Morning")
    page.locator("#id_content_format").select_option("plain")
    page.locator("#id_content").press_sequentially(CHAPTER_THREE, delay=5)
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=20_000)
    page.close()

    page = writing.new_page()
    page.goto(f"/works/{work.pk}/chapters/new")
    expect(page.locator(".flash.notice.restored")).to_be_visible()
    expect(page.locator("#id_content")).to_have_value(CHAPTER_THREE)
    expect(page.locator("#id_title")).to_have_value("Morning")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("dd.chapters")).to_have_text("3/?")
    assert work.chapters.filter(posted=True).count() == 3

    # Edit chapter one after the rewatch.
    first = Chapter.objects.get(work=work, position=1)
    page.goto(f"/works/{work.pk}/chapters/{first.pk}/edit")
    page.locator("#id_content_format").select_option("plain")
    page.locator("#id_content").fill(CHAPTER_ONE.replace("twice", "three times"))
    page.get_by_role("button", name="Update").click()
    first.refresh_from_db()
    assert "three times" in first.content
    assert ChapterRevision.objects.filter(chapter=first).count() == 1

    # A reader selects a passage and suggests a correction.
    reading = browser.new_context(base_url=live_server.url)
    reading.set_default_timeout(15_000)
    reader_page = reading.new_page()
    log_in(reader_page, "lark")
    reader_page.goto(f"/works/{work.pk}/chapters/{first.pk}")
    reader_page.evaluate(
        """() => {
            const text = [...document.querySelectorAll('#chapters .userstuff p')]
                .find(p => p.textContent.includes('the way her mother taught her'));
            const node = text.firstChild;
            const start = node.textContent.indexOf('taught');
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + 'taught'.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            document.dispatchEvent(new Event('selectionchange'));
            text.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }"""
    )
    reader_page.get_by_role("button", name="Suggest a correction").click()
    form = reader_page.locator("form.correction-inline")
    expect(form.locator("textarea[name=passage]")).to_have_value("taught")
    form.locator("textarea[name=replacement]").fill("had taught")
    form.locator("textarea[name=message]").fill("Past perfect reads better here.")
    form.get_by_role("button", name="Send Correction").click()
    expect(reader_page.locator(".flash.notice")).to_be_visible()
    correction = Correction.objects.get(chapter=first)
    assert correction.reader == reader

    # The writer accepts it: a new revision, and the reader sees the thanks.
    page.goto(f"/works/{work.pk}/corrections")
    expect(page.locator("#main")).to_contain_text("Past perfect reads better here.")
    page.get_by_role("button", name="Accept").click()
    first.refresh_from_db()
    assert "her mother had taught her" in first.content
    assert ChapterRevision.objects.filter(chapter=first).count() == 2
    reader_page.goto("/users/lark/corrections")
    expect(reader_page.locator("#main")).to_contain_text("Accepted")

    # The finished work, in both themes.
    for theme in ("light", "dark"):
        reader_page.goto(f"/works/{work.pk}?view_full_work=true")
        reader_page.locator("#footer").get_by_role(
            "button", name="Light" if theme == "light" else "Dark"
        ).click()
        expect(reader_page.locator("html")).to_have_attribute("data-theme", theme)
        expect(reader_page.locator("div#chapters > div.chapter")).to_have_count(3)
        expect(reader_page.locator("#chapters")).to_contain_text("had taught")
        shot = artifacts / f"work-{theme}.png"
        reader_page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
    writing.close()
    reading.close()
    assert writer.pk != reader.pk
