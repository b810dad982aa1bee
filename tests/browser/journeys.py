"""Steps that many browser journeys take."""

from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import PASSWORD


def new_page(browser, live_server, *, timeout_ms: int = 15_000):
    """A page in a browser context of its own: a person with her own cookies."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1100, "height": 900})
    context.set_default_timeout(timeout_ms)
    return context.new_page()


def log_in(page, username: str, *, open_form: bool = True) -> None:
    """Log in through the form (opening it first unless the page shows it already)."""
    if open_form:
        page.goto("/users/login/")
    page.locator("form#new_user #id_login").fill(username)
    page.locator("form#new_user #id_password").fill(PASSWORD)
    page.locator("form#new_user").get_by_role("button", name="Log In").click()
    expect(page.locator("body")).to_have_class("logged-in")
