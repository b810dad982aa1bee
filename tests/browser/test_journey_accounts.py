"""A newcomer signs up, confirms by mail, logs in, adds a pseud and goes dark."""

import re

import pytest
from playwright.sync_api import expect

from chapterhouse.accounts.models import User

# Transactional, so that the live server sees the data.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lanterns over the harbour"


def confirmation_path(mail_dir) -> str:
    messages = [path.read_text() for path in sorted(mail_dir.iterdir())]
    assert len(messages) == 1, "exactly one confirmation mail is written"
    match = re.search(r"https?://[^/\s]+(/users/confirm-email/\S+/)", messages[0])
    assert match, messages[0]
    return match.group(1)


def test_sign_up_confirm_log_in_add_pseud_and_switch_to_dark(page, mail_dir, artifacts):
    page.goto("/")
    page.get_by_role("link", name="Sign Up").first.click()
    page.get_by_label("Username:").fill("wren_writes")
    page.get_by_label("Email:").fill("wren@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Create Account").click()
    expect(page.locator("h2.heading")).to_have_text("Confirm Your Email")

    page.goto(confirmation_path(mail_dir))
    expect(page.locator("#main")).to_contain_text("wren@example.org")
    page.get_by_role("button", name="Confirm").click()
    assert User.objects.get(username="wren_writes").emailaddress_set.get().verified

    # Log out and back in with the new account.
    page.goto("/users/logout")
    page.get_by_role("button", name="Log Out").click()
    expect(page.locator("body")).to_have_class("logged-out")
    page.goto("/users/login")
    page.locator("form#new_user #id_login").fill("wren_writes")
    page.locator("form#new_user #id_password").fill(PASSWORD)
    page.locator("form#new_user").get_by_role("button", name="Log In").click()
    expect(page.locator("body")).to_have_class("logged-in")
    expect(page.locator("#greeting .greeting")).to_have_text("Hi, wren_writes!")

    # A second pen name.
    page.get_by_role("link", name="Pseuds").first.click()
    page.get_by_role("link", name="New Pseud").click()
    page.get_by_label("Name:").fill("Night Owl")
    page.get_by_label("Description:").fill("For the stories I write after midnight.")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".flash.notice")).to_contain_text("Pseud Night Owl was created.")
    expect(page.locator("li.pseud h4 a")).to_have_text(["wren_writes", "Night Owl"])

    # Dark theme, remembered for the account.
    page.goto("/")
    page.locator("#footer").get_by_role("button", name="Dark").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 23, 27)"
    assert User.objects.get(username="wren_writes").preference.theme == "dark"

    expect(page.locator("#main h2.heading")).to_have_text("Welcome to Chapterhouse")
    expect(page.locator("#main")).to_contain_text("You are logged in as wren_writes")
    screenshot = artifacts / "home-dark.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
