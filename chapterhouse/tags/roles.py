"""The wrangler role: members of the "Tag Wranglers" group may wrangle tags.
Admins add people to it on the user's admin page."""

from __future__ import annotations

WRANGLERS_GROUP = "Tag Wranglers"
WRANGLE_PERMISSION = "tags.wrangle_tag"


def wranglers_group_ensure():
    """The group, with the permission, created if missing."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=WRANGLERS_GROUP)
    permission = Permission.objects.get(codename="wrangle_tag", content_type__app_label="tags")
    group.permissions.add(permission)
    return group


def is_wrangler(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.has_perm(WRANGLE_PERMISSION))
    )


def wrangler_grant(*, user) -> None:
    user.groups.add(wranglers_group_ensure())


def _after_migrate(sender, app_config=None, using="default", **kwargs):
    """After migrating (and after a test flushes the database): the fixed tags
    and the wranglers group are always there."""
    from django.contrib.auth.management import create_permissions

    from .fixed import ensure_fixed_tags

    create_permissions(sender, verbosity=0, using=using)
    wranglers_group_ensure()
    ensure_fixed_tags()
