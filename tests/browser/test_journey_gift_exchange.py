"""A maintainer sets up an unrevealed, anonymous gift exchange; three members
sign up (one mistake on the way, nothing typed lost); the maintainer closes
sign-ups, runs matching in the worker while the page shows its progress, and
sends the assignments; a giver is told by inbox and mail and posts her gift to
the collection; the gift is a Mystery Work to its recipient until the reveal
date passes, and then the recipient is told by inbox and mail."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.collections.models import Assignment, Collection
from chapterhouse.collections.services import collections_reveal_due
from chapterhouse.responses.models import InboxItem
from chapterhouse.responses.services.mail import mail_outbox_send
from chapterhouse.responses.services.tasks_runner import IMPORT_QUEUES, tasks_run_pending
from chapterhouse.works.models import Gift, Work

from .journeys import log_in, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Who requests and offers what: the only complete assignment is the cycle
#: ann -> bea -> cai -> ann.
SIGNUPS = {
    "ann": ("Tea Shop AU", "Cake Bakers"),
    "bea": ("Cake Bakers", "Scone Wars"),
    "cai": ("Scone Wars", "Tea Shop AU"),
}


def mails_to(mail_dir, address: str) -> list[str]:
    return [text for path in sorted(mail_dir.iterdir())
            if address in (text := path.read_text())]


def sign_up(page, username: str, request: str, offer: str) -> None:
    page.goto("/collections/midwinter")
    page.get_by_role("link", name="Sign Up").click()
    page.locator("#request_0_fandom").fill(request)
    page.locator("#request_0_description").fill(f"Anything cosy, says {username}.")
    page.locator("#offer_0_fandom").fill(offer)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".flash.notice")).to_contain_text("Sign-up was successfully created.")
    expect(page.locator("dd.fandom.tags").first).to_have_text(request)


def test_gift_exchange_from_sign_up_to_reveal(browser, live_server, mail_dir, artifacts):
    UserFactory(username="tern")
    people = {name: UserFactory(username=name) for name in SIGNUPS}
    reveal_on = (timezone.now() + datetime.timedelta(days=30)).replace(second=0, microsecond=0)

    # The maintainer creates the collection and makes it a gift exchange.
    tern = new_page(browser, live_server)
    log_in(tern, "tern")
    tern.goto("/collections/new")
    tern.locator("#id_name").fill("midwinter")
    tern.locator("#id_title").fill("Midwinter Exchange")
    tern.locator("#id_unrevealed").check()
    tern.locator("#id_anonymous").check()
    tern.locator("#id_reveal_at").fill(reveal_on.strftime("%Y-%m-%dT%H:%M"))
    tern.get_by_role("button", name="Submit").click()
    expect(tern.locator(".flash.notice")).to_contain_text("Collection was successfully created.")
    tern.get_by_role("link", name="Make a Gift Exchange").click()
    tern.locator("#id_fandom_allowed").fill("2")
    tern.get_by_role("button", name="Submit").click()
    expect(tern.locator(".flash.notice")).to_contain_text("Challenge was successfully updated.")

    # Three members sign up; the first forgets her request's fandom and loses
    # nothing she typed.
    pages = {}
    for name, (request, offer) in SIGNUPS.items():
        pages[name] = new_page(browser, live_server)
        log_in(pages[name], name)
    ann = pages["ann"]
    ann.goto("/collections/midwinter/signups/new")
    ann.locator("#request_0_description").fill("A slow afternoon in the shop, please.")
    ann.locator("#offer_0_fandom").fill("Cake Bakers")
    ann.get_by_role("button", name="Submit").click()
    expect(ann.locator("#error")).to_contain_text(
        "Request 1: please name at least 1 fandom tag.")
    expect(ann.locator("#offer_0_fandom")).to_have_value("Cake Bakers")
    expect(ann.locator("#request_0_description")).to_have_value(
        "A slow afternoon in the shop, please.")
    for name, (request, offer) in SIGNUPS.items():
        sign_up(pages[name], name, request, offer)

    # The maintainer sees the sign-ups and the summary, and closes sign-ups.
    tern.goto("/collections/midwinter/signups/summary")
    expect(tern.locator("p.count")).to_have_text("3 sign-ups.")
    cake = tern.locator("#signup_summary tr", has_text="Cake Bakers")
    expect(cake.locator("td.requests")).to_have_text("1")
    expect(cake.locator("td.offers")).to_have_text("1")
    tern.goto("/collections/midwinter/gift_exchange/edit")
    tern.locator("#id_signups_open").uncheck()
    tern.get_by_role("button", name="Update").click()

    # Matching runs in the worker; the page shows where it is, then the result.
    tern.goto("/collections/midwinter/potential_matches")
    tern.get_by_role("button", name="Generate Potential Matches").click()
    expect(tern.locator("#matching_status")).to_contain_text("waiting for the worker")
    assert tasks_run_pending(max_tasks=1, queues=IMPORT_QUEUES) == 1
    expect(tern.locator("#all_matched")).to_be_visible(timeout=20_000)  # it refreshes itself
    rows = tern.locator("#assignments tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="ann").filter(
        has=tern.locator("td.recipient", has_text="bea"))).to_have_count(1)

    # A hand edit that would make cai write for herself is refused.
    to_cai = Assignment.objects.get(recipient=people["cai"])
    tern.locator(f"#giver_{to_cai.pk}").fill("cai")
    tern.locator(f"#assignment_{to_cai.pk}").get_by_role("button", name="Update").click()
    expect(tern.locator(".flash.error")).to_contain_text(
        "Nobody can be assigned to write for herself.")
    tern.screenshot(path=str(artifacts / "exchange-matching.png"), full_page=True)
    tern.get_by_role("button", name="Send Assignments").click()
    expect(tern.locator(".flash.notice")).to_contain_text("Assignments are now being sent out")

    # ann is told by inbox and mail whom she writes for; bea is told nothing.
    ann.goto("/users/ann/inbox")
    expect(ann.locator("li.assignment")).to_contain_text("you are writing for bea")
    mail_outbox_send()
    assert any("You have been assigned a gift for bea" in m
               for m in mails_to(mail_dir, people["ann"].email))
    bea = pages["bea"]
    to_bea = Assignment.objects.get(recipient=people["bea"])
    bea.goto(f"/collections/midwinter/assignments/{to_bea.pk}")
    expect(bea.locator("h2")).not_to_contain_text("Assignment for bea")
    assert bea.goto(f"/collections/midwinter/assignments/{to_bea.pk}").status == 404

    # ann posts her gift to the collection: bea becomes its recipient.
    ann.goto("/collections/midwinter/assignments")
    ann.get_by_role("link", name="A gift for bea").click()
    expect(ann.locator("ol.requests")).to_contain_text("Cake Bakers")
    ann.get_by_role("link", name="post your gift").click()
    expect(ann.locator("#work_collection_names")).to_have_value("midwinter")
    expect(ann.locator("#id_gifts")).to_have_value("bea")
    ann.locator("#id_rating").select_option("11")
    ann.locator("#id_warnings_1").check()
    ann.locator("#id_fandoms").fill("Cake Bakers")
    ann.locator("#id_title").fill("Sugar at Midnight")
    ann.locator("#id_content_format").select_option("plain")
    ann.locator("#id_content").fill("The ovens were still warm when the lights went out.")
    ann.get_by_role("button", name="Post", exact=True).click()
    expect(ann.locator(".flash.notice", has_text="Added to collection")).to_contain_text(
        "It fulfils your assignment: a gift for bea.")
    work = Work.objects.get(title="Sugar at Midnight")
    assert Gift.objects.filter(work=work, recipient=people["bea"]).exists()

    # Until the reveal it is a Mystery Work to bea, and she is told nothing.
    bea.goto(f"/works/{work.pk}")
    expect(bea).to_have_title("Mystery Work | Chapterhouse")
    expect(bea.locator("p.notice")).to_contain_text("part of an ongoing challenge")
    expect(bea.locator("body")).not_to_contain_text("Sugar at Midnight")
    assert not InboxItem.objects.filter(user=people["bea"], kind="gift").exists()
    mail_outbox_send()
    assert not [m for m in mails_to(mail_dir, people["bea"].email) if "A gift for you" in m]

    # Time moves past the reveal date: the worker's pass reveals the collection.
    assert collections_reveal_due(now=reveal_on + datetime.timedelta(minutes=1)) == 1
    assert Collection.objects.get(name="midwinter").revealed_at is not None
    bea.goto(f"/works/{work.pk}")
    expect(bea.locator("h2.title.heading")).to_contain_text("Sugar at Midnight")
    bea.goto("/users/bea/inbox")
    expect(bea.locator("li.gift")).to_contain_text("gave you a work: Sugar at Midnight")
    mail_outbox_send()
    (mail,) = [m for m in mails_to(mail_dir, people["bea"].email) if "A gift for you" in m]
    assert "A gift for you: Sugar at Midnight" in mail
    assert "ann gave you a work: Sugar at Midnight" in mail  # revealed: no longer anonymous
