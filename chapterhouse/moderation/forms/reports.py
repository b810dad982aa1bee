"""The report form: what kind of problem, what is wrong, and (guests) where
to answer. The rules themselves are in services/reports.py; the form only
shapes the input and shows the service's messages beside the fields."""

from __future__ import annotations

from django import forms

from ..models import ReportCategory
from ..services.reports import EMAIL_INVALID, EMAIL_REQUIRED, TEXT_MAX, TEXT_REQUIRED, TEXT_TOO_LONG


class ReportForm(forms.Form):
    category = forms.ChoiceField(
        label="What kind of problem is it?",
        choices=ReportCategory.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose what kind of problem this is.",
                        "invalid_choice": "Please choose what kind of problem this is."},
    )
    text = forms.CharField(
        label="What is wrong?",
        help_text=f"Plain text, up to {TEXT_MAX:,} characters. Say where the problem is "
                  "(a chapter, a paragraph) and why it breaks the rules.",
        max_length=TEXT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        error_messages={"required": TEXT_REQUIRED, "max_length": TEXT_TOO_LONG},
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="So that the admins can answer you. Only they will see it.",
        required=False,
        error_messages={"invalid": EMAIL_INVALID},
    )
    url = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, guest: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.guest = guest
        if guest:
            self.fields["email"].required = True
            self.fields["email"].error_messages["required"] = EMAIL_REQUIRED
        else:
            del self.fields["email"]
