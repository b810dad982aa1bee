"""A reader narrows a fandom's works with the filter sidebar (a rating in, a warning
out, most kudos first), then finds a work with the search form's syntax."""

import pytest
from playwright.sync_api import expect

from chapterhouse.tags.fixed import GENERAL, MAJOR_CHARACTER_DEATH, NO_WARNINGS_APPLY, TEEN
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

# Transactional, so that the live server sees the data.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FANDOM = "Harbour Lights (TV)"


def make_work(title, *, rating, warning=NO_WARNINGS_APPLY, kudos=0, summary=None):
    fields = {"summary": summary} if summary else {}
    work = WorkFactory(title=title, fandom=FANDOM, kudos_count=kudos, **fields)
    WorkTag.objects.filter(work=work, tag__type__in=[TagType.RATING, TagType.WARNING]).delete()
    WorkTag.objects.create(work=work, tag_id=rating, position=10)
    WorkTag.objects.create(work=work, tag_id=warning, position=11)
    work_filter_tags_refresh(work_ids=[work.pk])
    return work


def test_reader_filters_a_fandom_and_searches(browser, live_server, artifacts):
    Tag.objects.filter(pk=tag(FANDOM, TagType.FANDOM).pk).update(canonical=True)
    make_work("Lamp Oil", rating=TEEN, kudos=40,
              summary="<p>A slow burn between two keepers.</p>")
    make_work("Last Light", rating=TEEN, warning=MAJOR_CHARACTER_DEATH, kudos=90,
              summary="<p>The lamp goes out for good.</p>")
    make_work("Breakwater", rating=TEEN, kudos=8, summary="<p>A slow burn, barely begun.</p>")
    make_work("Fog Horn", rating=GENERAL, kudos=70, summary="<p>A slow burn at sea.</p>")

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()

    # From the newest works on the home page to the fandom's listing.
    page.goto("/")
    page.locator("h5.fandoms a.tag", has_text=FANDOM).first.click()
    heading = page.locator("h2.heading")
    expect(heading).to_have_text(f"1 - 4 of 4 Works in {FANDOM}")
    titles = page.locator("ol.work.index.group li.work.blurb h4.heading a:first-child")
    expect(titles).to_have_count(4)

    # Include Teen And Up Audiences, exclude Major Character Death, most kudos first.
    sidebar = page.locator("form#work-filters")
    sidebar.locator("#include_rating_tags summary").click()
    sidebar.locator("#include_rating_tags").get_by_label("Teen And Up Audiences (3)").check()
    sidebar.locator("#exclude_archive_warning_tags summary").click()
    sidebar.locator("#exclude_archive_warning_tags").get_by_label(
        "Major Character Death (1)"
    ).check()
    sidebar.get_by_label("Sort by").select_option(label="Kudos")
    sidebar.get_by_role("button", name="Sort and Filter").first.click()

    expect(heading).to_have_text(f"1 - 2 of 2 Works in {FANDOM}")
    expect(titles).to_have_text(["Lamp Oil", "Breakwater"])
    # The counts are for the narrowed results, and the choices are still ticked.
    teen = sidebar.locator("#include_rating_tags").get_by_label("Teen And Up Audiences (2)")
    expect(teen).to_be_checked()
    death = sidebar.locator("#exclude_archive_warning_tags").get_by_label(
        "Major Character Death (0)"
    )
    expect(death).to_be_checked()
    expect(sidebar.get_by_label("Sort by")).to_have_value("kudos_count")
    expect(sidebar.locator("#include_rating_tags")).not_to_contain_text("General Audiences")
    page.screenshot(path=str(artifacts / "discovery-filters.png"), full_page=True)

    # The search form, with a phrase and a kudos range.
    page.goto("/works/search")
    form = page.locator("form#work-search")
    form.get_by_label("Any Field").fill('"slow burn" kudos:>10')
    form.get_by_role("button", name="Search").first.click()
    expect(page.locator("#main h3.heading").first).to_have_text("2 Found ?")
    expect(titles).to_have_count(2)
    assert sorted(titles.all_inner_texts()) == ["Fog Horn", "Lamp Oil"]
    expect(page.locator("#main > h4.heading")).to_contain_text('"slow burn" kudos:>10')
    page.screenshot(path=str(artifacts / "discovery-search.png"), full_page=True)
    context.close()
