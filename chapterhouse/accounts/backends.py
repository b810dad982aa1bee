"""Authentication backends: Django's and allauth's, reading a signed-in
user's preferences in the same query as her user row.

Every page asks for both (the theme, the work page's folds and adult
check), so the user row is read with ``select_related("preference")``:
one query instead of two. Nothing is cached between requests: a user made
inactive, banned or given a new password is refused by the very next
request, exactly as with Django's own backends (Django's ``get_user`` still
checks the session's password hash and ``user_can_authenticate``).

Sessions made before these backends were named keep the path of Django's or
allauth's class; ``middleware.AuthenticationMiddleware`` reads such a
session with the matching class below (``LEGACY_PATHS``).
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend


class _UserWithPreference:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("preference").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_UserWithPreference, DjangoModelBackend):
    """Django's user name and password backend."""


class AuthenticationBackend(_UserWithPreference, AllauthBackend):
    """allauth's backend (log in by e-mail address or user name)."""


#: A session's backend path as Django or allauth named it -> the class here.
LEGACY_PATHS = {
    "django.contrib.auth.backends.ModelBackend": "chapterhouse.accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend":
        "chapterhouse.accounts.backends.AuthenticationBackend",
}
