"""A guest page is one shared copy with no token in it (docs/http-cache.md):
in a real browser a guest's comment goes through as the page's script fetches
her a token on sending, and without JavaScript her kudos are shown again with
a token and go through on the second click."""

import pytest
from playwright.sync_api import expect

from chapterhouse.responses.models import Comment, Kudos
from chapterhouse.works.tests.factories import WorkFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_guest_comments_with_a_script_and_leaves_kudos_without_one(browser, live_server):
    work = WorkFactory(title="The Lamp Room")

    with_script = browser.new_context(base_url=live_server.url)
    page = with_script.new_page()
    page.goto(f"/works/{work.pk}")
    assert page.locator("meta[name=csrf-token]").get_attribute("content") == ""
    page.locator(f"#comment_name_for_{work.pk}").fill("Pell")
    page.locator(f"#comment_email_for_{work.pk}").fill("pell@example.org")
    page.locator(f"#comment_content_for_{work.pk}").fill("The lamp scene made me cry.")
    page.locator(f"#comment_for_{work.pk} input[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#main")).to_contain_text("The lamp scene made me cry.")
    assert Comment.objects.get().guest_name == "Pell"
    with_script.close()

    without_script = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = without_script.new_page()
    page.goto(f"/works/{work.pk}")
    page.locator("#kudo_submit").click()
    expect(page.locator("#csrf_repost")).to_be_visible()
    assert not Kudos.objects.exists()
    page.get_by_role("button", name="Send again").click()
    page.wait_for_load_state()
    assert Kudos.objects.filter(work=work).count() == 1
    without_script.close()
