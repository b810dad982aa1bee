"""Forms for the public tag pages. Field names follow AO3's (``tag_search[name]``)."""

from django import forms

from .models import USER_TAG_TYPES, TagType

_TYPE_CHOICES = [("", "Any type"), *((t.value, t.label) for t in USER_TAG_TYPES),
                 (TagType.UNSORTED.value, TagType.UNSORTED.label),
                 (TagType.MEDIA.value, TagType.MEDIA.label)]
_CANONICAL_CHOICES = [("", "Any"), ("T", "Canonical only"), ("F", "Non-canonical only")]


class TagSearchForm(forms.Form):
    """``GET /tags/search``: every field optional; an empty form searches nothing."""

    name = forms.CharField(
        label="Tag name", required=False, max_length=150,
        help_text="Part of the name, in any case.",
        widget=forms.TextInput(attrs={"id": "tag_search_name", "type": "search"}),
    )
    fandoms = forms.CharField(
        label="Fandom", required=False, max_length=150,
        help_text="Only tags that belong to this fandom.",
        widget=forms.TextInput(
            attrs={"id": "tag_search_fandoms", "data-autocomplete": "Fandom"}
        ),
    )
    type = forms.ChoiceField(
        label="Type", required=False, choices=_TYPE_CHOICES,
        widget=forms.Select(attrs={"id": "tag_search_type"}),
    )
    canonical = forms.ChoiceField(
        label="Wrangling status", required=False, choices=_CANONICAL_CHOICES,
        widget=forms.Select(attrs={"id": "tag_search_canonical"}),
    )

    def add_prefix(self, field_name: str) -> str:
        return f"tag_search[{field_name}]"

    def has_criteria(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())

    def search_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "fandom": data["fandoms"],
            "type": data["type"],
            "canonical": {"T": True, "F": False}.get(data["canonical"]),
        }
