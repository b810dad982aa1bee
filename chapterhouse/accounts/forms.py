"""Forms collect and check input; the services in ``services.py`` do the writing."""

from __future__ import annotations

import zoneinfo

from django import forms

from chapterhouse.works.text import TextFormat

from .models import Preference, Theme
from .validators import PSEUD_NAME_MAX_LENGTH, USERNAME_MAX_LENGTH

ICON_MAX_BYTES = 500 * 1024
ICON_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif"}


def _format_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Text format", choices=TextFormat.choices, initial=TextFormat.HTML, required=False
    )


class PseudForm(forms.Form):
    name = forms.CharField(max_length=PSEUD_NAME_MAX_LENGTH, label="Name")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, max_length=500,
        label="Description",
    )
    description_format = _format_field()
    icon = forms.ImageField(
        required=False,
        label="Icon",
        help_text="JPEG, PNG or GIF, at most 500 KB; shown at 100×100 pixels.",
    )
    remove_icon = forms.BooleanField(required=False, label="Remove the current icon")
    icon_alt_text = forms.CharField(max_length=250, required=False, label="Icon alt text")
    make_default = forms.BooleanField(required=False, label="Make this my default pseud")

    def clean_icon(self):
        icon = self.cleaned_data.get("icon")
        if icon and icon.size > ICON_MAX_BYTES:
            raise forms.ValidationError("That icon is larger than 500 KB.")
        image = getattr(icon, "image", None) if icon else None
        if image is not None:
            if image.format not in ICON_EXTENSIONS:
                raise forms.ValidationError("Icons must be JPEG, PNG or GIF images.")
            # The stored name comes from what the file is, never from what it
            # was called, so an upload can't be served as HTML or script.
            icon.name = f"icon.{ICON_EXTENSIONS[image.format]}"
        return icon

    def clean_description_format(self):
        return self.cleaned_data.get("description_format") or TextFormat.HTML


class ProfileForm(forms.Form):
    title = forms.CharField(max_length=255, required=False, label="Title")
    location = forms.CharField(max_length=255, required=False, label="Location")
    about = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}), required=False, max_length=2000,
        label="About me",
    )
    about_format = _format_field()

    def clean_about_format(self):
        return self.cleaned_data.get("about_format") or TextFormat.HTML


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class PreferenceForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=_time_zone_choices, label="Time zone")
    theme = forms.ChoiceField(choices=Theme.choices, label="Site theme", widget=forms.RadioSelect)

    class Meta:
        model = Preference
        fields = [
            "view_adult", "hide_warnings", "hide_freeform", "view_full_works",
            "disable_work_skins", "theme", "time_zone", "allow_gifts", "allow_cocreator",
            "history_enabled", "guest_replies_off", "comment_emails_off", "comment_inbox_off",
            "comment_copy_to_self_off", "kudos_emails_off", "subscription_emails_off",
        ]


class UsernameChangeForm(forms.Form):
    username = forms.CharField(max_length=USERNAME_MAX_LENGTH, label="New user name")
    password = forms.CharField(widget=forms.PasswordInput, label="Password", strip=False)


class AccountDeleteForm(forms.Form):
    works_choice = forms.ChoiceField(
        label="What should happen to your works?",
        widget=forms.RadioSelect,
        choices=[
            ("orphan", "Orphan them: they stay on the archive without your name."),
            ("delete", "Delete them along with my account."),
        ],
    )
    password = forms.CharField(widget=forms.PasswordInput, label="Password", strip=False)
    confirm = forms.BooleanField(
        label="I understand that deleting my account cannot be undone.", required=True
    )


class ThemeForm(forms.Form):
    theme = forms.ChoiceField(choices=Theme.choices)
    next = forms.CharField(required=False)
