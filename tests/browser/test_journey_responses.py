"""Readers answer a work: a guest leaves kudos; a reader writes a long comment,
loses her session before posting, logs in and posts it without retyping; the
writer finds it in her inbox and replies in place; the reader is told by inbox
and by mail; a user the writer blocked finds the comment form refused."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.responses.models import Comment, InboxItem, Kudos
from chapterhouse.responses.services.mail import mail_outbox_send
from chapterhouse.works.tests.factories import WorkFactory

from .journeys import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_COMMENT = "\n\n".join(
    f"Paragraph {n}: the scene at the breakwater stayed with me, the way the lamp "
    "keeps turning while nobody says the thing they came to say. "
    "I read it twice on the bus and missed my stop." for n in range(1, 13)
)


def test_kudos_comment_through_a_lost_session_inbox_reply_and_a_block(
    browser, live_server, mail_dir, artifacts
):
    writer = UserFactory(username="wren")
    reader = UserFactory(username="lark")
    UserFactory(username="moss")
    work = WorkFactory(creator=writer, title="Breakwater")
    box = f"#comment_content_for_{work.pk}"

    # A guest leaves kudos.
    guest = new_page(browser, live_server)
    guest.goto(f"/works/{work.pk}")
    guest.locator("#kudo_submit").click()
    expect(guest.locator("#kudos_message")).to_contain_text("Thank you for leaving kudos!")
    guest.reload()
    expect(guest.locator("#kudos")).to_contain_text("1 guest left kudos on this work!")
    assert Kudos.objects.filter(work=work, user__isnull=True).count() == 1

    # A reader writes a long comment; her session ends before she posts it.
    reading = new_page(browser, live_server)
    reading.goto("/users/login/")
    log_in(reading, "lark", open_form=False)
    reading.goto(f"/works/{work.pk}")
    reading.locator(box).fill(LONG_COMMENT)
    # The server forgets her, as an expired session does: gone from the
    # database and from any cache in front of it (SESSION_ENGINE).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in Session.objects.values_list("session_key", flat=True):
        store(session_key=key).delete()
    reading.locator(f"#comment_submit_for_{work.pk}").click()

    # She is asked to log in, and comes back to her text without retyping.
    expect(reading.locator("form#new_user")).to_be_visible()
    log_in(reading, "lark", open_form=False)
    expect(reading.locator("#comment_restored_notice")).to_be_visible()
    expect(reading.locator(box)).to_have_value(LONG_COMMENT)
    reading.locator(f"#comment_submit_for_{work.pk}").click()
    comment = Comment.objects.get(work=work, user=reader)
    assert "Paragraph 12" in comment.content
    reading.goto(f"/works/{work.pk}?show_comments=true")
    expect(reading.locator(f"li#comment_{comment.pk} blockquote.userstuff")).to_contain_text(
        "missed my stop"
    )
    reading.screenshot(path=str(artifacts / "work-comments.png"), full_page=True)

    # The writer sees it in her inbox and replies in place.
    writing = new_page(browser, live_server)
    writing.goto("/users/login/")
    log_in(writing, "wren", open_form=False)
    expect(writing.locator("#header li.inbox")).to_contain_text("(1)")
    writing.locator("#header li.inbox a").click()
    item = InboxItem.objects.get(user=writer, comment=comment)
    entry = writing.locator(f"#inbox_item_{item.pk}")
    expect(entry).to_contain_text("lark")
    expect(entry).to_contain_text("missed my stop")
    entry.locator(f"#reply_content_{item.pk}").fill("Thank you! The bus detail made my day.")
    entry.get_by_role("button", name="Comment").click()
    reply = Comment.objects.get(parent=comment)
    assert reply.user == writer

    # The reader is told: in her inbox, and by mail once the worker runs.
    reading.goto(f"/works/{work.pk}")
    expect(reading.locator("#header li.inbox")).to_contain_text("(1)")
    reading.goto("/users/lark/inbox")
    expect(reading.locator("ol.comment.index")).to_contain_text("made my day")
    mail_outbox_send()
    mails = [path.read_text() for path in mail_dir.iterdir()]
    assert any("lark@example.org" in mail and "made my day" in mail for mail in mails)

    # The writer blocks moss; moss finds the comment form refused, in the words
    # any refusal uses: nobody is told of a block.
    writing.goto("/users/moss")
    writing.get_by_role("link", name="Block").click()
    writing.get_by_role("button", name="Yes, Block User").click()
    expect(writing.locator("body")).to_contain_text("moss")
    blocked = new_page(browser, live_server)
    blocked.goto("/users/login/")
    log_in(blocked, "moss", open_form=False)
    blocked.goto(f"/works/{work.pk}")
    expect(blocked.locator("#comment_refusal")).to_have_text(
        "Sorry, you can't comment on this work.")
    expect(blocked.locator("body")).not_to_contain_text("block")
    expect(blocked.locator(f"form#comment_for_{work.pk}")).to_have_count(0)
    blocked.screenshot(path=str(artifacts / "work-comment-blocked.png"), full_page=True)
