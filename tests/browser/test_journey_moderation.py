"""Moderation: a guest reports a spam comment; an admin logs in with her
password and a code from her authenticator app, finds the report in the
queue and marks the comment as spam; readers no longer see it, the same
text from another guest is refused, and the audit log shows who did it."""

import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.contrib.auth.models import AnonymousUser, Group
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import PASSWORD, UserFactory
from chapterhouse.moderation.models import AuditEntry, Report, ReportStatus
from chapterhouse.moderation.roles import ROLES, roles_ensure
from chapterhouse.responses.models import Comment
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.works.tests.factories import WorkFactory

from .journeys import new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SPAM = ("Cheap watches and miracle pills, best prices online! "
        "Visit https://bargain-bin.example/deals now.")


def authenticator_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_guest_reports_spam_admin_marks_it_with_two_factor_and_the_log_records_it(
    browser, live_server, mail_dir, artifacts
):
    roles_ensure()
    admin = UserFactory(username="keeper", is_staff=True)
    admin.groups.add(Group.objects.get(name=ROLES["policy_abuse"].group))
    admin.groups.add(Group.objects.get(name=ROLES["superadmin"].group))
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    work = WorkFactory(title="Breakwater")
    spam = comment_create(work=work, viewer=AnonymousUser(), content=SPAM,
                          guest_name="Deals Daily", guest_email="deals@bargain-bin.example",
                          guest_ip="198.51.100.23")
    comments = f"/works/{work.pk}?show_comments=true"

    # A guest reader sees the spam under the work and reports it.
    guest = new_page(browser, live_server)
    guest.goto(comments)
    expect(guest.locator(f"#comment_{spam.pk}")).to_contain_text("Cheap watches")
    guest.locator(f"#comment_{spam.pk} li.report a").click()
    expect(guest.locator("#main")).to_contain_text("Cheap watches")  # what is reported
    guest.get_by_label("Spam or advertising").check()
    guest.get_by_label("What is wrong?").fill("An advert, not a comment about the story.")
    guest.get_by_label("Your email address").fill("reader@example.org")
    guest.get_by_role("button", name="Send Report").click()
    expect(guest.locator("#main")).to_contain_text("Thank you")
    report = Report.objects.get()
    assert (report.target_type, report.target_id) == ("comment", spam.pk)

    # The admin logs in: password, then the code from her authenticator app.
    desk = new_page(browser, live_server)
    desk.goto("/users/login/?next=/moderation/reports")
    desk.locator("form#new_user #id_login").fill("keeper")
    desk.locator("form#new_user #id_password").fill(PASSWORD)
    desk.locator("form#new_user").get_by_role("button", name="Log In").click()
    expect(desk).to_have_url(f"{live_server.url}/users/2fa/authenticate/")
    desk.locator("input[name=code]").fill(authenticator_code(secret))
    desk.get_by_role("button", name="Log In").click()
    expect(desk.locator("body")).to_have_class("logged-in")

    # She finds the report in the queue and marks the comment as spam.
    desk.goto("/moderation/reports")
    row = desk.locator("table, ol, ul").locator(f"a[href='/moderation/reports/comment/{spam.pk}']")
    expect(row).to_have_count(1)
    row.click()
    expect(desk.locator("#main")).to_contain_text("An advert, not a comment about the story.")
    desk.locator("#spam_reason").fill("Advertising from a spam wave.")
    desk.get_by_role("button", name="Mark as spam").click()
    expect(desk.locator(".flash")).to_be_visible()
    desk.screenshot(path=str(artifacts / "moderation-marked-spam.png"), full_page=True)

    spam.refresh_from_db()
    assert spam.spam and spam.hidden_by_admin
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTIONED

    # Readers no longer see it, and the same advert from another guest is refused.
    guest.goto(comments)
    expect(guest.locator("#main")).not_to_contain_text("Cheap watches")
    guest.locator(f"#comment_name_for_{work.pk}").fill("Deals Again")
    guest.locator(f"#comment_email_for_{work.pk}").fill("again@bargain-bin.example")
    guest.locator(f"#comment_content_for_{work.pk}").fill(SPAM)
    guest.locator(f"#comment_for_{work.pk} input[type=submit]").click()
    expect(guest.locator("#main")).to_contain_text("looks like spam")
    assert Comment.objects.filter(work=work).count() == 1

    # The audit log says who marked it, what and why.
    desk.goto("/moderation/audit")
    entry = desk.locator("#main").get_by_text("comment.spam").first
    expect(entry).to_be_visible()
    expect(desk.locator("#main")).to_contain_text("Advertising from a spam wave.")
    logged = AuditEntry.objects.get(action="comment.spam")
    assert (logged.actor, logged.target_id) == (admin, spam.pk)
