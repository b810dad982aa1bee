"""The collection form (create and edit)."""

from __future__ import annotations

from django import forms

from .models import NAME_MAX_LENGTH, TITLE_MAX_LENGTH, name_validator


class CollectionForm(forms.Form):
    name = forms.CharField(
        label="Collection name",
        max_length=NAME_MAX_LENGTH,
        validators=[name_validator],
        help_text="Part of the address: letters, numbers and underscores.",
    )
    title = forms.CharField(label="Display title", max_length=TITLE_MAX_LENGTH)
    parent_name = forms.CharField(label="Parent collection (name)", required=False)
    email = forms.EmailField(label="Collection email", required=False)
    summary = forms.CharField(label="Brief description", required=False, widget=forms.Textarea)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    intro = forms.CharField(label="Introduction", required=False, widget=forms.Textarea)
    faq = forms.CharField(label="FAQ", required=False, widget=forms.Textarea)
    rules = forms.CharField(label="Rules", required=False, widget=forms.Textarea)
    is_open = forms.BooleanField(label="This collection is open", required=False, initial=True)
    moderated = forms.BooleanField(label="This collection is moderated", required=False)
    unrevealed = forms.BooleanField(label="This collection is unrevealed", required=False)
    anonymous = forms.BooleanField(label="This collection is anonymous", required=False)
    reveal_at = forms.DateTimeField(
        label="Reveal on",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Unrevealed and anonymous works are revealed at this time by themselves.",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["name"]
