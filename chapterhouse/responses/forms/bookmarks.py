"""The bookmark forms, with AO3's field names (``bookmark[bookmarker_notes]``,
``bookmark[external][url]``, ``bookmark_search[rec]``…). Shape only: the
services decide what may be saved."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from chapterhouse.tags.fixed import RATINGS
from chapterhouse.works.services.tagging import tag_names_split


class AO3Checkbox(forms.CheckboxInput):
    """A checkbox that also reads AO3's hidden "0" before the box's "1"."""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return False
        value = str(data.get(name)).strip().lower()
        return value not in ("", "0", "false", "f", "no", "off")


class BookmarkForm(forms.Form):
    pseud_id = forms.TypedChoiceField(
        label="Bookmarker's Pseud", coerce=int, choices=[],
        widget=forms.Select(attrs={"id": "bookmark_pseud_id"}),
    )
    bookmarker_notes = forms.CharField(
        label="Notes", required=False, strip=False,
        help_text="Up to 5,000 characters; some HTML is allowed.",
        widget=forms.Textarea(attrs={"id": "bookmark_notes", "rows": 4, "cols": 60}),
    )
    tag_string = forms.CharField(
        label="Your tags", required=False,
        help_text="Separate tags with commas.",
        widget=forms.TextInput(attrs={"id": "bookmark_tag_string"}),
    )
    private = forms.BooleanField(
        label="Private bookmark", required=False,
        widget=AO3Checkbox(attrs={"id": "bookmark_private"}),
    )
    rec = forms.BooleanField(
        label="Rec", required=False, widget=AO3Checkbox(attrs={"id": "bookmark_rec"}),
    )

    def __init__(self, *args, pseuds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pseuds = {pseud.pk: pseud for pseud in pseuds}
        self.fields["pseud_id"].choices = [(pseud.pk, pseud.name) for pseud in pseuds]
        if pseuds and "pseud_id" not in self.initial:
            self.fields["pseud_id"].initial = pseuds[0].pk

    def add_prefix(self, field_name: str) -> str:
        return f"bookmark[{field_name}]"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "pseud": self.pseuds.get(data["pseud_id"]),
            "notes": data["bookmarker_notes"],
            "tag_string": data["tag_string"],
            "private": data["private"],
            "rec": data["rec"],
        }

    def values(self) -> dict:
        """What the fields hold now (typed, or initial), for the template."""
        return {name: self[name].value() for name in self.fields}


class ExternalWorkForm(forms.Form):
    url = forms.CharField(
        label="URL", max_length=2000,
        widget=forms.URLInput(attrs={"id": "bookmark_external_url"}),
    )
    author = forms.CharField(
        label="Creator", max_length=255,
        widget=forms.TextInput(attrs={"id": "bookmark_external_author"}),
    )
    title = forms.CharField(
        label="Title", max_length=255,
        widget=forms.TextInput(attrs={"id": "bookmark_external_title"}),
    )
    summary = forms.CharField(
        label="Summary", required=False, strip=False,
        widget=forms.Textarea(attrs={"id": "bookmark_external_summary", "rows": 4}),
    )
    fandom_string = forms.CharField(
        label="Fandoms", help_text="Separate fandoms with commas.",
        widget=forms.TextInput(attrs={"id": "bookmark_external_fandom_string"}),
    )
    rating_string = forms.TypedChoiceField(
        label="Rating", required=False, coerce=int, empty_value=None,
        choices=[("", "Choose a rating"), *RATINGS.items()],
        widget=forms.Select(attrs={"id": "bookmark_external_rating_string"}),
    )
    relationship_string = forms.CharField(
        label="Relationships", required=False,
        widget=forms.TextInput(attrs={"id": "bookmark_external_relationship_string"}),
    )
    character_string = forms.CharField(
        label="Characters", required=False,
        widget=forms.TextInput(attrs={"id": "bookmark_external_character_string"}),
    )

    def add_prefix(self, field_name: str) -> str:
        return f"bookmark[external][{field_name}]"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "url": data["url"],
            "title": data["title"],
            "creator": data["author"],
            "summary": data["summary"],
            "fandoms": data["fandom_string"],
            "rating": data["rating_string"],
            "relationships": data["relationship_string"],
            "characters": data["character_string"],
        }


class BookmarkSearchForm(forms.Form):
    bookmark_query = forms.CharField(
        label="Any field", required=False, max_length=200,
        help_text="Words in the notes, the bookmarker's tags or the title.",
        widget=forms.TextInput(attrs={"id": "bookmark_search_bookmark_query", "type": "search"}),
    )
    other_tag_names = forms.CharField(
        label="Work tags", required=False, max_length=1000,
        help_text="Separate tags with commas.",
        widget=forms.TextInput(attrs={"id": "bookmark_search_other_tag_names"}),
    )
    other_bookmark_tag_names = forms.CharField(
        label="Bookmarker's tags", required=False, max_length=1000,
        help_text="Separate tags with commas.",
        widget=forms.TextInput(attrs={"id": "bookmark_search_other_bookmark_tag_names"}),
    )
    bookmarker = forms.CharField(
        label="Bookmarker", required=False, max_length=100,
        widget=forms.TextInput(attrs={"id": "bookmark_search_bookmarker"}),
    )
    rec = forms.BooleanField(
        label="Recs only", required=False,
        widget=AO3Checkbox(attrs={"id": "bookmark_search_rec"}),
    )
    with_notes = forms.BooleanField(
        label="With notes only", required=False,
        widget=AO3Checkbox(attrs={"id": "bookmark_search_with_notes"}),
    )

    def add_prefix(self, field_name: str) -> str:
        return f"bookmark_search[{field_name}]"

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "query": data["bookmark_query"],
            "work_tags": tag_names_split(data["other_tag_names"])[:10],
            "bookmark_tags": tag_names_split(data["other_bookmark_tag_names"])[:10],
            "bookmarker": data["bookmarker"],
            "rec": data["rec"],
            "with_notes": data["with_notes"],
        }


#: The services name their arguments; the forms keep AO3's field names.
_FIELD_OF = {
    "pseud": "pseud_id",
    "notes": "bookmarker_notes",
    "creator": "author",
    "fandoms": "fandom_string",
    "rating": "rating_string",
    "relationships": "relationship_string",
    "characters": "character_string",
}


def service_errors_apply(error: ValidationError, *forms_) -> None:
    """Put a service's errors beside the fields they are about (in whichever of
    ``forms_`` has the field); the rest go to the top of the first form."""
    if not hasattr(error, "error_dict"):
        forms_[0].add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        field = _FIELD_OF.get(name, name)
        target = next((f for f in forms_ if field in f.fields), None)
        if target is None:
            forms_[0].add_error(None, problems)
        else:
            target.add_error(field, problems)


__all__ = [
    "AO3Checkbox",
    "BookmarkForm",
    "BookmarkSearchForm",
    "ExternalWorkForm",
    "service_errors_apply",
]
