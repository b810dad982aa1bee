"""Hooks that fit the sign-up and log-in flows to the archive."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from . import services


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return getattr(settings, "SIGNUPS_OPEN", True)

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            services.user_setup(user=user)
        return user
