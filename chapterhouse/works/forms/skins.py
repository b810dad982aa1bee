"""The work-skin form: shape only; ``services/skins.py`` decides."""

from __future__ import annotations

from django import forms

from ..skins import CSS_MAX_LENGTH


class SkinForm(forms.Form):
    title = forms.CharField(label="Title")
    description = forms.CharField(
        label="Description", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )
    css = forms.CharField(
        label="CSS", required=False, strip=False,
        help_text=(
            "Rules are put under #workskin, so they only change your work's text. "
            "Positioning tricks, negative or very large margins, borders and shadows, "
            "imports, fonts from elsewhere and scripts are removed; "
            "images must be http(s) PNG, JPEG, GIF or WebP files. "
            f"At most {CSS_MAX_LENGTH:,} characters."
        ),
        widget=forms.Textarea(attrs={"rows": 18, "cols": 60, "spellcheck": "false",
                                     "class": "css"}),
    )
