"""Guest switches and blocked addresses: the services, and the refusals guests
meet when they comment or leave kudos."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from chapterhouse.moderation.guards import WriteRefused, may_write
from chapterhouse.moderation.models import AuditEntry, BlockedAddress, SiteSettings
from chapterhouse.moderation.services import site
from chapterhouse.responses.models import Comment, Kudos
from chapterhouse.responses.services.comments import comment_create
from chapterhouse.responses.services.kudos import kudos_give

pytestmark = pytest.mark.django_db

GUEST = {"guest_name": "Pell", "guest_email": "pell@example.org"}


@pytest.fixture
def policy(make_admin):
    return make_admin("quill_policy", role="policy_abuse")


def guest_comment(work, address="198.51.100.7", text="The lighthouse scene!"):
    from django.contrib.auth.models import AnonymousUser

    return comment_create(work=work, viewer=AnonymousUser(), content=text, guest_ip=address,
                          **GUEST)


def guest_kudos(work, address="198.51.100.7"):
    from django.contrib.auth.models import AnonymousUser

    return kudos_give(work=work, viewer=AnonymousUser(), guest_ip=address, guest_token="tok")


# Switches ----------------------------------------------------------------------------


def test_settings_row_is_made_with_everything_open():
    row = site.site_settings()
    assert row.guest_comments_enabled and row.guest_kudos_enabled
    assert SiteSettings.objects.count() == 1
    site.site_settings()
    assert SiteSettings.objects.count() == 1


def test_guest_comments_switched_off_refuses_guest_but_not_user(policy, work, reader):
    site.site_settings_update(actor=policy, guest_comments_enabled=False,
                              guest_kudos_enabled=True)
    with pytest.raises(WriteRefused) as refused:
        guest_comment(work)
    assert refused.value.message == (
        "Guest comments are switched off on this site for now. Please log in to comment."
    )
    assert not Comment.objects.exists()
    comment_create(work=work, viewer=reader, content="Signed in, still welcome.")
    assert Comment.objects.filter(user=reader).count() == 1
    guest_kudos(work)  # kudos are still open
    assert Kudos.objects.filter(user__isnull=True).count() == 1


def test_guest_kudos_switched_off_refuses_guest_but_not_user(policy, work, reader):
    site.site_settings_update(actor=policy, guest_comments_enabled=True,
                              guest_kudos_enabled=False)
    with pytest.raises(ValidationError) as refused:
        guest_kudos(work)
    assert refused.value.messages == [
        "Guest kudos are switched off on this site for now. Please log in to leave kudos."
    ]
    kudos_give(work=work, viewer=reader)
    assert list(Kudos.objects.values_list("user", flat=True)) == [reader.pk]
    guest_comment(work)  # comments are still open
    assert Comment.objects.count() == 1


def test_switching_back_on_takes_effect_at_once(policy, work):
    site.site_settings_update(actor=policy, guest_comments_enabled=False,
                              guest_kudos_enabled=False)
    with pytest.raises(WriteRefused):
        guest_comment(work)
    site.site_settings_update(actor=policy, guest_comments_enabled=True,
                              guest_kudos_enabled=True)
    guest_comment(work)
    guest_kudos(work)
    assert Comment.objects.count() == 1 and Kudos.objects.count() == 1


def test_switch_change_is_audited_with_before_and_after(policy):
    site.site_settings_update(actor=policy, guest_comments_enabled=False,
                              guest_kudos_enabled=True)
    entry = AuditEntry.objects.get()
    assert entry.actor == policy and entry.action == "site.guest_switches"
    assert entry.before == {"guest_comments_enabled": True, "guest_kudos_enabled": True}
    assert entry.after == {"guest_comments_enabled": False, "guest_kudos_enabled": True}
    assert SiteSettings.objects.get().updated_by == policy
    # Saving the same switches again changes nothing and writes nothing.
    site.site_settings_update(actor=policy, guest_comments_enabled=False,
                              guest_kudos_enabled=True)
    assert AuditEntry.objects.count() == 1


def test_only_site_managers_may_switch_or_block(make_admin, user):
    support = make_admin("helpdesk", role="support")
    for actor in (support, user):
        with pytest.raises(PermissionDenied):
            site.site_settings_update(actor=actor, guest_comments_enabled=False,
                                      guest_kudos_enabled=False)
        with pytest.raises(PermissionDenied):
            site.address_block(actor=actor, network="203.0.113.0/24", reason="spam")
    assert site.site_settings().guest_comments_enabled
    assert not BlockedAddress.objects.exists() and not AuditEntry.objects.exists()


# Blocked addresses -------------------------------------------------------------------


def test_blocked_network_refuses_guest_comments_and_kudos_elsewhere_fine(policy, work):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="Link spam wave")
    for attempt in (lambda: guest_comment(work, "203.0.113.7"),
                    lambda: guest_kudos(work, "203.0.113.7")):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [
            "Comments, kudos and reports from your network are blocked."
        ]
    assert not Comment.objects.exists() and not Kudos.objects.exists()
    guest_comment(work, "203.0.114.7")
    guest_kudos(work, "203.0.114.7")
    assert Comment.objects.count() == 1 and Kudos.objects.count() == 1


def test_signed_in_user_at_blocked_address_may_still_write(policy, reader):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="Link spam wave")
    may_write(user=reader, action="comment", address="203.0.113.7")  # no error


def test_single_address_block_and_ipv4_mapped_form(policy):
    site.address_block(actor=policy, network="192.0.2.44", reason="One persistent spammer")
    assert BlockedAddress.objects.get().network == "192.0.2.44/32"
    assert site.address_is_blocked("192.0.2.44")
    assert site.address_is_blocked("::ffff:192.0.2.44")
    assert not site.address_is_blocked("192.0.2.45")


def test_ipv6_network_block(policy, work):
    site.address_block(actor=policy, network="2001:db8:abcd::/48", reason="Bot farm")
    assert site.address_is_blocked("2001:db8:abcd:12::9")
    assert not site.address_is_blocked("2001:db8:abce::1")
    assert not site.address_is_blocked("203.0.113.7")
    with pytest.raises(WriteRefused):
        guest_comment(work, "2001:db8:abcd::77")
    guest_comment(work, "2001:db8:ffff::1")
    assert Comment.objects.count() == 1


def test_expired_block_no_longer_applies(policy, work):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="spam", days=2)
    assert site.address_is_blocked("203.0.113.7")
    # Three days on: the cached list still holds the block; its end is checked on every ask.
    later = timezone.now() + timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert not site.address_is_blocked("203.0.113.7")
        guest_kudos(work, "203.0.113.7")
    assert Kudos.objects.count() == 1


def test_block_lasts_the_given_days(policy):
    row = site.address_block(actor=policy, network="203.0.113.0/24", reason="spam", days=7)
    left = row.expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < left <= timedelta(days=7)


def test_block_then_unblock_are_audited_and_unblock_opens_the_door(policy):
    row = site.address_block(actor=policy, network="203.0.113.0/24", reason="Link spam wave")
    assert site.address_is_blocked("203.0.113.200")
    site.address_unblock(actor=policy, blocked=row)
    assert not site.address_is_blocked("203.0.113.200")
    blocked, unblocked = AuditEntry.objects.order_by("pk")
    assert (blocked.action, unblocked.action) == ("address.block", "address.unblock")
    assert blocked.target_label == unblocked.target_label == "203.0.113.0/24"
    assert blocked.reason == "Link spam wave" and blocked.after["network"] == "203.0.113.0/24"
    assert unblocked.before["reason"] == "Link spam wave"
    assert {blocked.actor, unblocked.actor} == {policy}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please enter an address or a network"),
        ("203.0.113", "is not an address or a network"),
        ("spam.example.com", "is not an address or a network"),
        ("0.0.0.0/0", "too many to block at once. Block at most a /16 network (IPv4)"),
        ("10.0.0.0/8", "Block at most a /16 network (IPv4)"),
        ("::/0", "Block at most a /32 network (IPv6)"),
        ("2001:db8::/31", "Block at most a /32 network (IPv6)"),
    ],
)
def test_bad_or_huge_networks_are_refused(policy, typed, message):
    with pytest.raises(ValidationError) as refused:
        site.address_block(actor=policy, network=typed, reason="spam")
    assert message in refused.value.messages[0]
    assert not BlockedAddress.objects.exists() and not AuditEntry.objects.exists()


def test_widest_allowed_networks_are_accepted(policy):
    site.address_block(actor=policy, network="198.51.0.0/16", reason="spam")
    site.address_block(actor=policy, network="2001:db8::/32", reason="spam")
    assert site.address_is_blocked("198.51.200.1")
    assert site.address_is_blocked("2001:db8:ffff::1")


def test_host_bits_are_dropped_and_repeat_block_refused(policy):
    site.address_block(actor=policy, network="203.0.113.99/24", reason="spam")
    assert BlockedAddress.objects.get().network == "203.0.113.0/24"
    with pytest.raises(ValidationError, match="already blocked"):
        site.address_block(actor=policy, network="203.0.113.0/24", reason="again")
    assert BlockedAddress.objects.count() == 1


def test_ended_block_is_replaced_by_a_new_one(policy):
    old = site.address_block(actor=policy, network="203.0.113.0/24", reason="old", days=1)
    BlockedAddress.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(1))
    new = site.address_block(actor=policy, network="203.0.113.0/24", reason="back again")
    assert list(BlockedAddress.objects.values_list("pk", "reason")) == [(new.pk, "back again")]
    assert site.address_is_blocked("203.0.113.1")


def test_reason_is_required(policy):
    with pytest.raises(ValidationError, match="Please say why"):
        site.address_block(actor=policy, network="203.0.113.0/24", reason="  ")


def test_block_check_is_cached_not_a_query_per_ask(policy, django_assert_num_queries):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="spam")
    site.guest_write_check(action="kudos", address="198.51.100.1")  # fills the cache
    with django_assert_num_queries(0):
        for _ in range(50):
            assert site.address_is_blocked("203.0.113.1")
            site.guest_write_check(action="kudos", address="198.51.100.1")


def test_missing_or_odd_addresses_are_not_blocked(policy):
    site.address_block(actor=policy, network="203.0.113.0/24", reason="spam")
    for address in (None, "", "unknown", "203.0.113"):
        assert not site.address_is_blocked(address)


# The template global -----------------------------------------------------------------


def test_guest_writes_says_what_is_closed_and_why(policy, reader):
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert site.guest_writes(request) == site.OPEN
    site.site_settings_update(actor=policy, guest_comments_enabled=False,
                              guest_kudos_enabled=True)
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.user = AnonymousUser()
    writes = site.guest_writes(request)
    assert not writes.comments and writes.kudos
    assert writes.comment_refusal.startswith("Guest comments are switched off")
    signed_in = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    signed_in.user = reader
    assert site.guest_writes(signed_in) == site.OPEN

    site.address_block(actor=policy, network="198.51.100.0/24", reason="spam")
    blocked = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    blocked.user = AnonymousUser()
    writes = site.guest_writes(blocked)
    assert not writes.comments and not writes.kudos
    assert writes.kudos_refusal == "Comments, kudos and reports from your network are blocked."
