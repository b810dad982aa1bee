"""Authentication backends: Django's and allauth's, reading a signed-in
user's preferences in the same query as her user row.

Every page asks for both (the theme, the work page's folds and adult
check), so the user row is read with her preference row in one plain SQL
statement (as ``select_related("preference")`` would, without building the
ORM's query on every request). Nothing is cached between requests: a user made
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
from django.core.exceptions import ValidationError
from django.db import connection

from chapterhouse.web.rows import row_reader


class _UserWithPreference:
    def get_user(self, user_id):
        """The user (by plain SQL) with her preferences in the same row, or
        None if there is none or she may not sign in (inactive)."""
        user = user_with_preference(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def user_with_preference(user_id):
    from .models import Preference

    model = get_user_model()
    quote = connection.ops.quote_name
    user_pk = quote(model._meta.pk.column)
    user_columns, width, build_user = row_reader(model, "u")
    preference_columns, _width, build_preference = row_reader(Preference, "p")
    sql = (
        f"SELECT {user_columns}, {preference_columns}"  # noqa: S608
        f" FROM {quote(model._meta.db_table)} u"
        f" LEFT JOIN {quote(Preference._meta.db_table)} p"
        f" ON p.{quote(Preference._meta.get_field('user').column)} = u.{user_pk}"
        f" WHERE u.{user_pk} = %s"
    )
    try:
        user_id = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user = build_user(row[:width], connection.alias)
    preference_pk = [f.attname for f in Preference._meta.concrete_fields].index(
        Preference._meta.pk.attname)
    preference = None
    if row[width + preference_pk] is not None:
        preference = build_preference(row[width:], connection.alias)
        Preference.user.field.set_cached_value(preference, user)
    # As ``select_related("preference")`` leaves it: no row means
    # ``user.preference`` raises ``Preference.DoesNotExist`` without a query.
    model.preference.related.set_cached_value(user, preference)
    return user


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
