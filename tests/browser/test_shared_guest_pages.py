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


#: Chromium's own user agent says "HeadlessChrome", which is not counted as a
#: reader; these guests read with an ordinary browser's.
READER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/{} Safari/537.36")


def test_guests_reading_a_cached_work_page_raise_its_hit_count(browser, live_server, settings,
                                                               tmp_path):
    from chapterhouse.responses.services import hits
    from chapterhouse.web.varnishd import Varnish, varnishd_path
    from chapterhouse.works.models import Work

    if varnishd_path() is None:
        pytest.skip("needs Debian's varnish")
    settings.HITS_FLUSH_IN_PROCESS = False
    hits.hit_buffer_set(hits.MemoryBuffer())
    work = WorkFactory(title="The Fog Bell")
    port = int(live_server.url.rsplit(":", 1)[1])
    with Varnish(tmp_path / "varnish", backend_port=port) as varnish:
        answers = []
        for version in ("126.0.0.0", "127.0.0.0"):  # two guests, two browsers
            guest = browser.new_context(base_url=varnish.url,
                                        user_agent=READER_AGENT.format(version))
            page = guest.new_page()
            beacon = f"/works/{work.pk}/hit"
            with page.expect_request(lambda request: request.url.endswith(beacon), timeout=10_000):
                answers.append(page.goto(f"/works/{work.pk}"))
            page.wait_for_load_state("networkidle")
            guest.close()
    # The second guest never reached the site for the page itself.
    assert [answer.headers["x-cache"] for answer in answers] == ["MISS", "HIT"]
    assert hits.hits_flush() == 2
    assert Work.objects.get(pk=work.pk).hit_count == 2
