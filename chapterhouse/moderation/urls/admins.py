"""URLs of the superadmins' pages: roles and the audit log; see docs/moderation-admins.md."""

from django.urls import path

from ..views import admins as views

urlpatterns: list = [
    path("moderation/roles", views.roles_page, name="moderation_roles"),
    path("moderation/audit", views.audit_page, name="moderation_audit"),
]
