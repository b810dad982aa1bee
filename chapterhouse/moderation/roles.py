"""Admin roles and what each may do.

A role is a Django group holding permissions (``moderation.<codename>``);
``roles_ensure`` makes the groups after every migrate. Anyone with a role
is staff (``is_staff``), and the admin pages also ask for two-factor log-in
(``access.py``). Superusers hold every permission. Only superadmins give and
take roles (``role_grant``/``role_revoke``, each audited), and the last
superadmin's role cannot be taken away.

| role | may |
| --- | --- |
| Superadmin | everything, including roles and the audit log |
| Policy and Abuse | reports, sanctions, user details, site switches and blocked addresses |
| Support | user details, site news |
| Tag Wrangler | wrangle tags (``tags.wrangle_tag``; see tags/roles.py) |
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

HANDLE_REPORTS = "moderation.handle_reports"
SANCTION_USERS = "moderation.sanction_users"
VIEW_USER_DETAILS = "moderation.view_user_details"
POST_NEWS = "moderation.post_news"
MANAGE_SITE = "moderation.manage_site"
VIEW_AUDIT_LOG = "moderation.view_audit_log"
MANAGE_ROLES = "moderation.manage_roles"
ALL_PERMISSIONS = (HANDLE_REPORTS, SANCTION_USERS, VIEW_USER_DETAILS, POST_NEWS, MANAGE_SITE,
                   VIEW_AUDIT_LOG, MANAGE_ROLES)


@dataclass(frozen=True)
class Role:
    key: str
    group: str
    label: str
    permissions: tuple[str, ...]
    description: str = ""


ROLES = {
    "superadmin": Role("superadmin", "Superadmins", "Superadmin", ALL_PERMISSIONS,
                       "Everything, including roles and the audit log."),
    "policy_abuse": Role("policy_abuse", "Policy and Abuse", "Policy and Abuse",
                         (HANDLE_REPORTS, SANCTION_USERS, VIEW_USER_DETAILS, MANAGE_SITE),
                         "Reports, warnings, suspensions and bans, user details, "
                         "guest switches and blocked addresses."),
    "support": Role("support", "Support", "Support", (VIEW_USER_DETAILS, POST_NEWS),
                    "User details and site news."),
    "wrangler": Role("wrangler", "Tag Wranglers", "Tag Wrangler", ("tags.wrangle_tag",),
                     "Wrangling tags; no admin pages."),
}


def _permission(dotted: str):
    from django.contrib.auth.models import Permission

    app_label, codename = dotted.split(".")
    return Permission.objects.get(codename=codename, content_type__app_label=app_label)


def roles_ensure() -> None:
    """Every role's group, with exactly its permissions."""
    from django.contrib.auth.models import Group

    for role in ROLES.values():
        group, _ = Group.objects.get_or_create(name=role.group)
        group.permissions.add(*[_permission(p) for p in role.permissions])


def roles_ensure_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is None or app_config.label != "moderation":
        return
    from django.contrib.auth.management import create_permissions

    create_permissions(app_config, verbosity=0, using=using)
    roles_ensure()


def can(user, permission: str) -> bool:
    """May ``user`` do what ``permission`` names? Staff only, active only."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm(permission)))
    )


def is_admin(user) -> bool:
    """Someone the admin area is for: any moderation permission."""
    return any(can(user, permission) for permission in ALL_PERMISSIONS)


def roles_of(user) -> list[Role]:
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in ROLES.values() if role.group in names]


def superadmins():
    """Active accounts that hold the superadmin role."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True, groups__name=ROLES["superadmin"].group
    ).distinct()


def staff_with_roles() -> list[tuple]:
    """Everyone with a role, staff status or superuser powers, by name, each
    with her roles: ``[(user, [Role, ...]), ...]``."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    groups = [role.group for role in ROLES.values()]
    people = (
        get_user_model().objects
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name__in=groups))
        .distinct()
        .prefetch_related("groups")
        .order_by("username")
    )
    result = []
    for person in people:
        names = {group.name for group in person.groups.all()}
        result.append((person, [role for role in ROLES.values() if role.group in names]))
    return result


def _role_key(role: str) -> str:
    if role not in ROLES:
        raise ValidationError(f"There is no role called {role!r}.")
    return role


@transaction.atomic
def role_grant(*, actor, user, role: str, reason: str = "") -> bool:
    """Give ``user`` a role (superadmins only); she becomes staff. Audited.
    False (and nothing written) if she has it already."""
    from django.contrib.auth.models import Group

    from .audit import audit_record

    if not can(actor, MANAGE_ROLES):
        raise PermissionDenied("Only superadmins may give roles.")
    _role_key(role)
    if not user.is_active:
        raise ValidationError(f"{user.username}'s account is closed; it cannot have a role.")
    roles_ensure()
    before = sorted(r.key for r in roles_of(user))
    if role in before:
        return False
    user.groups.add(Group.objects.get(name=ROLES[role].group))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_record(actor=actor, action="user.role_grant", target=user,
                 before={"roles": before}, after={"roles": sorted({*before, role})},
                 reason=reason)
    return True


@transaction.atomic
def role_revoke(*, actor, user, role: str, reason: str = "") -> bool:
    """Take a role away; with none left she is no longer staff. Audited.
    False (and nothing written) if she did not have it.

    The site always keeps one superadmin: the last one's role cannot be taken
    (not even by herself); give it to someone else first."""
    from django.contrib.auth.models import Group

    from .audit import audit_record

    if not can(actor, MANAGE_ROLES):
        raise PermissionDenied("Only superadmins may take roles away.")
    _role_key(role)
    before = sorted(r.key for r in roles_of(user))
    if role not in before:
        return False
    if role == "superadmin":
        # One change to the superadmins at a time, so two cannot remove each other.
        Group.objects.select_for_update().filter(name=ROLES[role].group).first()
    if role == "superadmin" and not superadmins().exclude(pk=user.pk).exists():
        if user.pk == getattr(actor, "pk", None):
            raise ValidationError(
                "You are the last superadmin, so you cannot give up that role: "
                "make someone else a superadmin first."
            )
        raise ValidationError(
            f"{user.username} is the last superadmin; make someone else a superadmin first."
        )
    user.groups.remove(*Group.objects.filter(name=ROLES[role].group))
    after = sorted(r.key for r in roles_of(user))
    if not after and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    audit_record(actor=actor, action="user.role_revoke", target=user,
                 before={"roles": before}, after={"roles": after}, reason=reason)
    return True


#: Any admin at all (for ``access.admin_required``): the admin area's front page.
ANY_ADMIN = "moderation.*"

_ADMIN_PAGES = [
    (HANDLE_REPORTS, "/moderation/reports", "Reports",
     "Open reports, grouped by what they are about."),
    (VIEW_USER_DETAILS, "/moderation/users", "Users",
     "Look a user up: her history, notes and sanctions."),
    (POST_NEWS, "/moderation/news", "News", "Post and edit site news."),
    (MANAGE_SITE, "/moderation/site", "Guests and addresses",
     "Switch guest comments and kudos; block addresses."),
    (MANAGE_ROLES, "/moderation/roles", "Roles", "Give and take admin roles."),
    (VIEW_AUDIT_LOG, "/moderation/audit", "Audit log", "Every admin action, with reasons."),
]


def admin_pages(user) -> list[tuple[str, str, str]]:
    """(address, name, what it is for) of each admin page ``user`` may open:
    the admin menu and the front page of the admin area show only these."""
    shown = []
    for permission, href, name, blurb in _ADMIN_PAGES:
        allowed = can(user, permission) or (
            permission == VIEW_USER_DETAILS and can(user, SANCTION_USERS)
        )
        if allowed:
            shown.append((href, name, blurb))
    return shown


JINJA_GLOBALS = {"admin_pages": admin_pages}
