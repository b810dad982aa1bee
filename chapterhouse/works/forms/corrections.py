"""The reader's correction form: shape only; ``services/corrections.py`` decides."""

from __future__ import annotations

from django import forms


class CorrectionForm(forms.Form):
    passage = forms.CharField(
        label="The passage as it is",
        help_text="Copy it from the chapter exactly, with a few words around the mistake.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    replacement = forms.CharField(
        label="Your correction",
        required=False,
        help_text="The same passage as you think it should read.",
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    message = forms.CharField(
        label="A note to the creator (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    context_before = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)
    context_after = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)


class CorrectionsSwitchForm(forms.Form):
    enabled = forms.TypedChoiceField(
        choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on"
    )
