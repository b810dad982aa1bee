"""The form that makes a personal access token on the tokens page."""

from __future__ import annotations

from django import forms

from .models import TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label="Token name",
        help_text="What the token is for, e.g. the app you will use it in.",
    )
    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ],
        label="What the token may do",
        help_text="Write includes read.",
    )
