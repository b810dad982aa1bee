"""A wrangler ties two spellings of a relationship to its canonical tag, and a
reader then finds the works typed either way under the canonical's page."""

import pytest
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.tags.models import Tag, TagType
from chapterhouse.tags.roles import wrangler_grant
from chapterhouse.tags.services.filters import work_filter_tags_refresh
from chapterhouse.works.models import WorkTag
from chapterhouse.works.tests.factories import WorkFactory, tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FANDOM = "Harbour Lights (TV)"


def test_wrangler_merges_two_spellings_and_a_reader_finds_both(browser, live_server, artifacts):
    fandom = tag(FANDOM, TagType.FANDOM)
    Tag.objects.filter(pk=fandom.pk).update(canonical=True)
    canonical = Tag.objects.create(name="Ines/Teodor", type=TagType.RELATIONSHIP, canonical=True)
    titles = {}
    for spelling, title in [("Teodor/Ines", "Two Blasts"), ("Ines V./Teodor L.", "Harbour Tea")]:
        work = WorkFactory(title=title, fandom=FANDOM)
        WorkTag.objects.create(work=work, tag=tag(spelling, TagType.RELATIONSHIP), position=5)
        work_filter_tags_refresh(work_ids=[work.pk])
        titles[spelling] = title
    sorter = UserFactory(username="sorter")
    wrangler_grant(user=sorter)

    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/users/login/")
    page.locator("form#new_user #id_login").fill("sorter")
    page.locator("form#new_user #id_password").fill(PASSWORD)
    page.locator("form#new_user").get_by_role("button", name="Log In").click()

    page.get_by_role("link", name="My Dashboard").click()
    page.get_by_role("link", name="Wrangling").click()
    page.get_by_role("link", name=FANDOM).click()
    page.get_by_role("link", name="Relationships").click()
    for spelling in titles:
        page.get_by_label(spelling).check()
    page.locator("#wrangle_action").select_option("make_synonym")
    page.locator("#wrangle_target").fill("Ines/Teodor")
    page.get_by_role("button", name="Wrangle").click()
    expect(page.locator(".flash.notice")).to_have_text(
        "Make synonym of Ines/Teodor: 2 tags changed."
    )
    page.screenshot(path=str(artifacts / "wrangling-queue.png"), full_page=True)

    reader = browser.new_context(base_url=live_server.url).new_page()
    reader.goto(f"/tags/{canonical.url_name}/works")
    found = reader.locator("ol.work.index.group li.work.blurb h4.heading a:first-child")
    expect(found).to_have_count(2)
    assert sorted(found.all_inner_texts()) == sorted(titles.values())
    # A spelling's own listing leads to the canonical one.
    reader.goto("/tags/Teodor*s*Ines/works")
    expect(reader).to_have_url(f"{live_server.url}/tags/Ines*s*Teodor/works")
    expect(found).to_have_count(2)
    context.close()
