"""The pages with scripts and a work skin, in a real browser under the
Content-Security-Policy: every feature still works and the browser refuses
nothing. A writer's autosave and tag suggestions, a reader's skinned work
page with kudos, a comment kept while typing and reading progress, the API
token page's select-on-focus, and the API docs page."""

import pytest
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.works.services import skins as skin_services
from chapterhouse.works.tests.factories import WorkFactory

from .journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Runs before any page script: each refusal is also written to the console.
REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class Watched:
    """A person's browser tab that records what the policy refused."""

    def __init__(self, browser, live_server):
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1100, "height": 900}
        )
        context.set_default_timeout(15_000)
        context.add_init_script(REPORTER)
        self.page = context.new_page()
        self.refused: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("CSP violation"):
            self.refused.append(f"{self.page.url}: {text}")

    def open(self, path: str):
        """Go to ``path``; the answer must carry the strict policy."""
        response = self.page.goto(path)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self';" in policy and "default-src 'self'" in policy, path
        return self.page


def test_script_features_and_a_skin_work_under_the_policy(browser, live_server):
    writer = UserFactory(username="wren")
    reader = UserFactory(username="lark")
    css = "p { color: rgb(200, 0, 0) }\n.note { font-style: italic }"
    skin = skin_services.skin_create(user=writer, title="Letters", css=css)[0]
    work = WorkFactory(creator=writer, title="Breakwater", skin=skin)

    # The writer's posting form: tag suggestions and autosave.
    writing = Watched(browser, live_server)
    log_in(writing.page, "wren")
    page = writing.open("/works/new")
    page.locator("#id_title").fill("Salt and Signal")
    page.locator("#id_fandoms").press_sequentially("Light", delay=20)
    page.locator("#id_content_format").select_option("plain")
    page.locator("#id_content").press_sequentially("The lamp turned all night.", delay=5)
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=20_000)

    # A guest's kudos, and the skin on the work page.
    guest = Watched(browser, live_server)
    page = guest.open(f"/works/{work.pk}")
    colour = page.evaluate("getComputedStyle(document.querySelector('#workskin p')).color")
    assert colour == "rgb(200, 0, 0)"
    page.locator("#kudo_submit").click()
    expect(page.locator("#kudos_message")).to_contain_text("Thank you for leaving kudos!")

    # A signed-in reader: a comment kept while typing survives a reload.
    reading = Watched(browser, live_server)
    log_in(reading.page, "lark")
    page = reading.open(f"/works/{work.pk}")
    box = page.locator(f"#comment_content_for_{work.pk}")
    box.fill("The breakwater scene stayed with me.")
    page.wait_for_timeout(600)  # the copy is kept 300 ms after typing stops
    page = reading.open(f"/works/{work.pk}")
    expect(page.locator("#comment_restored_notice")).to_be_visible()
    expect(page.locator(f"#comment_content_for_{work.pk}")).to_have_value(
        "The breakwater scene stayed with me."
    )

    # Her API token: the new key's field selects the whole key on focus.
    page = reading.open(f"/users/{reader.username}/api_tokens")
    page.locator("#id_name").fill("E-reader")
    page.get_by_role("button", name="Make token").click()
    field = page.locator("#new_token_key")
    field.focus()
    selected = page.evaluate(
        "(() => { const f = document.getElementById('new_token_key');"
        " return [f.selectionStart, f.selectionEnd, f.value.length]; })()"
    )
    assert selected[0] == 0 and selected[1] == selected[2] > 20

    # The API docs page draws its operations.
    page = guest.open("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()

    assert writing.refused + guest.refused + reading.refused == []
