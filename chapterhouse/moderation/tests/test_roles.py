"""Roles: what each may do, giving and taking them (audited), the last
superadmin, and the /moderation/roles page."""


import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import PermissionDenied, ValidationError

from chapterhouse.accounts.tests.factories import UserFactory
from chapterhouse.moderation.models import AuditEntry
from chapterhouse.moderation.roles import (
    HANDLE_REPORTS,
    MANAGE_ROLES,
    POST_NEWS,
    SANCTION_USERS,
    VIEW_AUDIT_LOG,
    can,
    is_admin,
    role_grant,
    role_revoke,
    roles_of,
)
from chapterhouse.moderation.tests.helpers import signed_in_client as signed_in
from chapterhouse.tags.roles import is_wrangler

pytestmark = pytest.mark.django_db

PAGE = "/moderation/roles"



def fresh(user):
    """The user as the next request sees her (permissions are cached per object)."""
    return type(user).objects.get(pk=user.pk)


# What roles may do ------------------------------------------------------------


def test_each_role_may_do_its_own_things_only(make_admin):
    superadmin = make_admin("ines", role="superadmin")
    policy = make_admin("odile", role="policy_abuse")
    support = make_admin("priya", role="support")
    wrangler = make_admin("wim", role="wrangler")
    assert all(can(superadmin, p) for p in (HANDLE_REPORTS, MANAGE_ROLES, VIEW_AUDIT_LOG))
    assert can(policy, SANCTION_USERS) and not can(policy, MANAGE_ROLES)
    assert not can(policy, VIEW_AUDIT_LOG)
    assert can(support, POST_NEWS) and not can(support, HANDLE_REPORTS)
    assert not is_admin(wrangler) and is_wrangler(wrangler)


def test_role_without_staff_status_or_open_account_opens_nothing(make_admin):
    closed = make_admin("gone", role="superadmin")
    closed.is_active = False
    closed.save()
    assert not can(fresh(closed), HANDLE_REPORTS)
    demoted = make_admin("demoted", role="superadmin")
    demoted.is_staff = False
    demoted.save()
    assert not is_admin(fresh(demoted))


# Giving and taking ---------------------------------------------------------------


def test_grant_makes_staff_and_is_audited(make_admin):
    boss = make_admin("ines")
    helper = UserFactory(username="teodor")
    assert role_grant(actor=boss, user=helper, role="support", reason="Runs the newsletter")
    helper = fresh(helper)
    assert helper.is_staff
    assert [r.key for r in roles_of(helper)] == ["support"]
    assert can(helper, POST_NEWS)
    entry = AuditEntry.objects.get(action="user.role_grant")
    assert (entry.actor, entry.target_type, entry.target_id) == (boss, "user", helper.pk)
    assert entry.before == {"roles": []} and entry.after == {"roles": ["support"]}
    assert entry.reason == "Runs the newsletter"


def test_giving_a_role_she_has_changes_nothing(make_admin):
    boss = make_admin("ines")
    helper = make_admin("teodor", role="support")
    assert role_grant(actor=boss, user=helper, role="support") is False
    assert not AuditEntry.objects.exists()


def test_revoking_the_last_role_ends_staff_status(make_admin):
    boss = make_admin("ines")
    helper = make_admin("teodor", role="support")
    role_grant(actor=boss, user=helper, role="wrangler")
    role_revoke(actor=boss, user=helper, role="support")
    assert fresh(helper).is_staff
    role_revoke(actor=boss, user=helper, role="wrangler")
    helper = fresh(helper)
    assert not helper.is_staff and roles_of(helper) == []
    last = AuditEntry.objects.filter(action="user.role_revoke").first()
    assert last.before == {"roles": ["wrangler"]} and last.after == {"roles": []}


def test_only_superadmins_give_or_take_roles(make_admin):
    policy = make_admin("odile", role="policy_abuse")
    helper = UserFactory(username="teodor")
    with pytest.raises(PermissionDenied):
        role_grant(actor=policy, user=helper, role="superadmin")
    with pytest.raises(PermissionDenied):
        role_revoke(actor=policy, user=policy, role="policy_abuse")
    assert not fresh(helper).is_staff
    assert not AuditEntry.objects.exists()


def test_unknown_role_and_closed_account_are_refused(make_admin):
    boss = make_admin("ines")
    helper = UserFactory(username="teodor")
    with pytest.raises(ValidationError):
        role_grant(actor=boss, user=helper, role="emperor")
    helper.is_active = False
    helper.save()
    with pytest.raises(ValidationError):
        role_grant(actor=boss, user=helper, role="support")
    assert not AuditEntry.objects.exists()


def test_last_superadmin_cannot_give_up_her_role(make_admin):
    boss = make_admin("ines")
    with pytest.raises(ValidationError, match="last superadmin"):
        role_revoke(actor=boss, user=boss, role="superadmin")
    assert [r.key for r in roles_of(boss)] == ["superadmin"]
    second = make_admin("marguerite")
    role_revoke(actor=boss, user=boss, role="superadmin")
    assert roles_of(boss) == []
    # Now marguerite is the last one; a Django superuser cannot take it either.
    owner = UserFactory(username="owner", is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError, match="marguerite is the last superadmin"):
        role_revoke(actor=owner, user=second, role="superadmin")


def test_a_closed_superadmin_account_does_not_count_as_another(make_admin):
    boss = make_admin("ines")
    gone = make_admin("marguerite")
    gone.is_active = False
    gone.save()
    with pytest.raises(ValidationError):
        role_revoke(actor=boss, user=boss, role="superadmin")


# The page ----------------------------------------------------------------------------


def test_page_lists_staff_with_their_roles(make_admin):
    boss = make_admin("ines")
    make_admin("priya", role="support")
    UserFactory(username="just_a_reader")
    soup = BeautifulSoup(signed_in(boss).get(PAGE).content, "html.parser")
    rows = {row["id"]: row for row in soup.select("table.staff tbody tr")}
    assert set(rows) == {"staff_ines", "staff_priya"}
    assert rows["staff_priya"].select_one("li.role.support").get_text(" ", strip=True).startswith(
        "Support"
    )
    assert rows["staff_ines"].select_one("li.role.superadmin")


def test_superadmin_gives_a_role_by_user_name(make_admin):
    boss = make_admin("ines")
    UserFactory(username="Teodor")
    client = signed_in(boss)
    done = client.post(PAGE, {"username": "teodor", "role": "policy_abuse", "change": "grant",
                              "reason": "New volunteer"})
    assert done.status_code == 302
    page = BeautifulSoup(client.get(PAGE).content, "html.parser")
    assert "Teodor is now a Policy and Abuse." in page.select_one("div.flash").text
    assert page.select_one("#staff_Teodor li.role.policy_abuse")
    assert AuditEntry.objects.get(action="user.role_grant").reason == "New volunteer"


def test_superadmin_takes_a_role_with_its_button(make_admin):
    boss = make_admin("ines")
    make_admin("priya", role="support")
    client = signed_in(boss)
    soup = BeautifulSoup(client.get(PAGE).content, "html.parser")
    button = soup.select_one("#staff_priya li.role.support form.revoke")
    data = {field["name"]: field.get("value", "") for field in button.select("input[name]")}
    assert client.post(button["action"], data).status_code == 302
    page = BeautifulSoup(client.get(PAGE).content, "html.parser")
    assert page.select_one("#staff_priya") is None
    assert "priya is no longer a Support." in page.select_one("div.flash").text


def test_page_says_why_last_superadmin_keeps_her_role(make_admin):
    boss = make_admin("ines")
    response = signed_in(boss).post(PAGE, {"username": "ines", "role": "superadmin",
                                           "change": "revoke"})
    assert response.status_code == 400
    error = BeautifulSoup(response.content, "html.parser").select_one("#error")
    assert "You are the last superadmin" in error.text
    assert [r.key for r in roles_of(boss)] == ["superadmin"]


def test_unknown_user_name_is_an_error_beside_the_field(make_admin):
    response = signed_in(make_admin("ines")).post(
        PAGE, {"username": "nobody_here", "role": "support", "change": "grant"}
    )
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    assert "There is no user called nobody_here." in soup.select_one(
        "#id_username_field p.error").text
    assert soup.select_one("#id_username")["value"] == "nobody_here"
    assert not AuditEntry.objects.exists()
