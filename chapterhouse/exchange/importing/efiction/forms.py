"""Forms of the eFiction import page and of claiming an imported account."""

from __future__ import annotations

from django import forms

from chapterhouse.accounts.validators import USERNAME_MAX_LENGTH

#: The largest dump the web page takes; bigger archives use the command line.
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class EfictionUploadForm(forms.Form):
    dump = forms.FileField(
        label="Database dump (.sql)",
        help_text="The archive's MySQL dump, as mysqldump or phpMyAdmin writes it.",
    )
    archive = forms.CharField(
        label="Archive name", max_length=200,
        help_text="Kept on every imported account; running the same archive again skips "
                  "what it already brought in.",
    )
    fandom = forms.CharField(
        label="Fandom for uncategorised stories", max_length=100, required=False,
        help_text="Optional; the archive's name when left empty.",
    )

    def clean_dump(self):
        dump = self.cleaned_data["dump"]
        if dump.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                "This file is too large for the web page; import it with "
                "`chapterhouse import-efiction` on the server."
            )
        if not dump.name.lower().endswith((".sql", ".txt")):
            raise forms.ValidationError("Please upload the archive's .sql dump.")
        return dump


class ClaimRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="The address your account on the old archive had.",
    )


class ClaimForm(forms.Form):
    username = forms.CharField(label="User name", max_length=USERNAME_MAX_LENGTH)
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Confirm password", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "The two passwords do not match.")
        return data
