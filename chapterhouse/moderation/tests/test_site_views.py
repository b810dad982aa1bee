"""Guest switches and blocked addresses over HTTP: the admin page, and what a
guest meets on the comment and kudos endpoints."""

import json

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from chapterhouse.moderation.models import AuditEntry, BlockedAddress
from chapterhouse.moderation.services import site
from chapterhouse.responses.models import Comment, Kudos

pytestmark = pytest.mark.django_db

GUEST_FIELDS = {"comment[name]": "Pell", "comment[email]": "pell@example.org"}
SWITCHED_OFF_COMMENTS = (
    "Guest comments are switched off on this site for now. Please log in to comment."
)
SWITCHED_OFF_KUDOS = (
    "Guest kudos are switched off on this site for now. Please log in to leave kudos."
)
BLOCKED = "Comments, kudos and reports from your network are blocked."


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def flashes(page) -> str:
    return " ".join(" ".join(node.get_text().split()) for node in page.select("div.flash"))


def kudos_form(work) -> dict:
    return {"kudo[commentable_id]": str(work.pk), "kudo[commentable_type]": "Work"}


@pytest.fixture
def policy(make_admin):
    return make_admin("quill_policy", role="policy_abuse")


@pytest.fixture
def policy_client(policy, admin_client):
    return admin_client(policy)


def switch(actor, *, comments=True, kudos=True):
    site.site_settings_update(actor=actor, guest_comments_enabled=comments,
                              guest_kudos_enabled=kudos)


# What guests meet ----------------------------------------------------------------------


def test_guest_comment_refused_when_switched_off_and_text_kept(policy, work):
    switch(policy, comments=False)
    guest = Client(REMOTE_ADDR="198.51.100.7")
    response = guest.post(f"/works/{work.pk}/comments",
                          {"comment[comment_content]": "I kept every word of this.",
                           **GUEST_FIELDS})
    assert response.status_code == 422
    page = soup(response)
    assert SWITCHED_OFF_COMMENTS in page.select_one("#error").get_text()
    kept = page.select_one(f"textarea#comment_content_for_{work.pk}")
    assert kept.get_text() == "I kept every word of this."
    assert not Comment.objects.exists()


def test_signed_in_reader_comments_while_guest_comments_are_off(policy, work, reader_client):
    switch(policy, comments=False, kudos=False)
    response = reader_client.post(f"/works/{work.pk}/comments",
                                  {"comment[comment_content]": "Still here."})
    assert response.status_code == 302
    assert reader_client.post("/kudos.js", kudos_form(work)).status_code == 201
    assert Comment.objects.count() == 1 and Kudos.objects.count() == 1


def test_guest_kudos_json_refused_with_422_and_message(policy, work):
    switch(policy, kudos=False)
    response = Client(REMOTE_ADDR="198.51.100.7").post("/kudos.js", kudos_form(work))
    assert response.status_code == 422
    errors = json.loads(response.content)["errors"]
    assert [SWITCHED_OFF_KUDOS] in errors.values()
    assert not Kudos.objects.exists()


def test_guest_kudos_form_sent_back_with_message(policy, work):
    switch(policy, kudos=False)
    guest = Client(REMOTE_ADDR="198.51.100.7")
    response = guest.post("/kudos", kudos_form(work), follow=True)
    assert response.redirect_chain[-1][0] == f"/works/{work.pk}"
    assert SWITCHED_OFF_KUDOS in flashes(soup(response))
    assert "Thank you for leaving kudos" not in flashes(soup(response))
    assert not Kudos.objects.exists()


def test_blocked_network_cannot_comment_or_kudos_other_address_can(policy, work):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="Link spam wave")
    blocked = Client(REMOTE_ADDR="203.0.113.7")
    response = blocked.post(f"/works/{work.pk}/comments",
                            {"comment[comment_content]": "Buy cheap lanterns", **GUEST_FIELDS})
    assert response.status_code == 422
    assert BLOCKED in soup(response).select_one("#error").get_text()
    response = blocked.post("/kudos.js", kudos_form(work))
    assert response.status_code == 422
    assert [BLOCKED] in json.loads(response.content)["errors"].values()
    assert not Comment.objects.exists() and not Kudos.objects.exists()

    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(f"/works/{work.pk}/comments",
                          {"comment[comment_content]": "Lovely.", **GUEST_FIELDS}
                          ).status_code == 302
    assert elsewhere.post("/kudos.js", kudos_form(work)).status_code == 201
    assert Comment.objects.count() == 1 and Kudos.objects.count() == 1


def test_blocked_ipv6_guest_is_refused(policy, work):
    site.address_block(actor=policy, network="2001:db8:77::/48", reason="Bot farm")
    response = Client(REMOTE_ADDR="2001:db8:77::5").post("/kudos.js", kudos_form(work))
    assert response.status_code == 422
    assert Client(REMOTE_ADDR="2001:db8:78::5").post(
        "/kudos.js", kudos_form(work)).status_code == 201


# The admin page ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["policy_abuse", "superadmin"])
def test_site_managers_open_the_page(make_admin, admin_client, role):
    response = admin_client(make_admin("keeper", role=role)).get("/moderation/site")
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one("input#guest_comments_enabled").has_attr("checked")
    assert page.select_one("input#guest_kudos_enabled").has_attr("checked")
    assert page.select_one("#no_blocks")
    assert page.select_one("label[for=block_network]")


def test_support_and_readers_may_not_open_the_page(make_admin, admin_client, reader_client):
    support = admin_client(make_admin("helpdesk", role="support"))
    assert support.get("/moderation/site").status_code == 403
    assert support.post("/moderation/site/switches", {}).status_code == 403
    assert support.post("/moderation/site/blocks",
                        {"network": "203.0.113.0/24", "reason": "x"}).status_code == 403
    assert reader_client.get("/moderation/site").status_code == 403
    assert site.site_settings().guest_comments_enabled
    assert not BlockedAddress.objects.exists()


def test_guest_is_sent_to_log_in_and_admin_without_second_factor_is_stopped(
    client, policy, admin_client
):
    response = client.get("/moderation/site")
    assert response.status_code == 302 and response["Location"].startswith("/users/login?")
    response = admin_client(policy, mfa=False).get("/moderation/site")
    assert response.status_code == 403
    assert "Two-factor log-in needed" in response.content.decode()


def test_switches_saved_from_the_page_and_audited(policy, policy_client, work):
    response = policy_client.post("/moderation/site/switches",
                                  {"guest_kudos_enabled": "1"}, follow=True)
    page = soup(response)
    assert "Guest comments are off; guest kudos are on." in flashes(page)
    assert not page.select_one("input#guest_comments_enabled").has_attr("checked")
    assert page.select_one("input#guest_kudos_enabled").has_attr("checked")
    assert "Last changed by quill_policy" in page.get_text()
    entry = AuditEntry.objects.get()
    assert entry.action == "site.guest_switches" and entry.actor == policy
    guest = Client(REMOTE_ADDR="198.51.100.7")
    assert guest.post(f"/works/{work.pk}/comments",
                      {"comment[comment_content]": "Hi", **GUEST_FIELDS}).status_code == 422


def test_block_added_listed_and_removed_from_the_page(policy, policy_client):
    response = policy_client.post(
        "/moderation/site/blocks",
        {"network": "203.0.113.0/24", "reason": "Link spam wave", "days": "30"}, follow=True,
    )
    page = soup(response)
    assert "Blocked 203.0.113.0/24." in flashes(page)
    block = BlockedAddress.objects.get()
    row = page.select_one(f"tr#block_{block.pk}")
    cells = [" ".join(cell.get_text().split()) for cell in row.select("th, td")]
    assert cells[0] == "203.0.113.0/24"
    assert cells[1] == "Link spam wave"
    assert cells[2] == "quill_policy"
    assert cells[4] == block.expires_at.strftime("%d %b %Y %H:%M")
    assert site.address_is_blocked("203.0.113.9")

    response = policy_client.post(f"/moderation/site/blocks/{block.pk}/delete", follow=True)
    assert "Removed the block on 203.0.113.0/24." in flashes(soup(response))
    assert not BlockedAddress.objects.exists()
    assert not site.address_is_blocked("203.0.113.9")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "address.block", "address.unblock"
    ]


def test_huge_range_refused_with_message_and_typed_values_kept(policy_client):
    response = policy_client.post("/moderation/site/blocks",
                                  {"network": "0.0.0.0/0", "reason": "everything", "days": ""})
    assert response.status_code == 422
    page = soup(response)
    assert "Block at most a /16 network (IPv4)" in page.select_one("#error").get_text()
    assert page.select_one("input#block_network")["value"] == "0.0.0.0/0"
    assert page.select_one("input#block_reason")["value"] == "everything"
    assert not BlockedAddress.objects.exists() and not AuditEntry.objects.exists()


def test_not_an_address_and_bad_days_are_refused(policy_client):
    response = policy_client.post("/moderation/site/blocks",
                                  {"network": "spam.example.com", "reason": "spam"})
    assert response.status_code == 422
    assert "is not an address or a network" in soup(response).select_one("#error").get_text()
    response = policy_client.post("/moderation/site/blocks",
                                  {"network": "203.0.113.0/24", "reason": "spam", "days": "soon"})
    assert response.status_code == 422
    assert "whole number" in soup(response).select_one("#error").get_text()
    assert not BlockedAddress.objects.exists()


def test_removing_a_missing_block_is_404(policy_client):
    assert policy_client.post("/moderation/site/blocks/999/delete").status_code == 404


def test_page_only_takes_posts_for_changes(policy_client):
    assert policy_client.get("/moderation/site/switches").status_code == 405
    assert policy_client.get("/moderation/site/blocks").status_code == 405


def test_a_blocked_network_is_found_behind_the_proxy(settings, make_admin):
    """Behind nginx the guest's address comes from X-Forwarded-For, so a block
    matches the real client and never the proxy."""
    from django.test import Client

    from chapterhouse.moderation.services.site import address_block
    from chapterhouse.works.tests.factories import WorkFactory

    settings.BEHIND_PROXY = True
    address_block(actor=make_admin("keeper"), network="203.0.113.0/24", reason="spam wave")
    work = WorkFactory()
    blocked = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    answer = blocked.post("/kudos.js", {"kudo[commentable_id]": work.pk,
                                        "kudo[commentable_type]": "Work"})
    assert answer.status_code == 422
    assert "blocked" in str(answer.json())
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.post("/kudos.js", {"kudo[commentable_id]": work.pk,
                                    "kudo[commentable_type]": "Work"}).status_code == 201
