"""The prompt meme's settings form and the prompt form."""

from __future__ import annotations

from django import forms

from .models import (
    CLAIMS_PER_PROMPT_MAX,
    PROMPT_TEXT_MAX_LENGTH,
    PROMPT_TITLE_MAX_LENGTH,
    PROMPTS_PER_MEMBER_MAX,
)


def _tag_line(label: str, suggest: str) -> forms.CharField:
    attrs = {"data-autocomplete": suggest}
    if suggest in ("Character", "Relationship"):
        attrs["data-autocomplete-fandoms"] = "#id_fandoms"
    return forms.CharField(
        label=label,
        required=False,
        max_length=3000,
        help_text="Separate names with commas.",
        widget=forms.TextInput(attrs=attrs),
    )


class PromptMemeForm(forms.Form):
    prompts_open = forms.BooleanField(label="Prompts are open", required=False, initial=True)
    opens_at = forms.DateTimeField(
        label="Prompts open on",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    closes_at = forms.DateTimeField(
        label="Prompts close on",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    prompts_per_member = forms.IntegerField(
        label="Prompts each member may post", min_value=1, max_value=PROMPTS_PER_MEMBER_MAX,
        initial=5,
    )
    anonymous_allowed = forms.BooleanField(
        label="Members may post prompts anonymously", required=False, initial=True
    )
    claims_per_prompt = forms.IntegerField(
        label="Claims allowed on each prompt",
        min_value=0,
        max_value=CLAIMS_PER_PROMPT_MAX,
        initial=0,
        help_text="0 for no limit.",
    )
    tag_set = forms.CharField(
        label="Tag set (title)",
        required=False,
        max_length=255,
        help_text="Prompts may then use only the tags of this tag set.",
    )


class PromptForm(forms.Form):
    fandoms = _tag_line("Fandoms", "Fandom")
    relationships = _tag_line("Relationships", "Relationship")
    characters = _tag_line("Characters", "Character")
    freeforms = _tag_line("Additional Tags", "Freeform")
    title = forms.CharField(label="Title", required=False, max_length=PROMPT_TITLE_MAX_LENGTH)
    description = forms.CharField(
        label="Prompt",
        required=False,
        max_length=PROMPT_TEXT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 60}),
        help_text="HTML is allowed (the archive's usual tags).",
    )
    anonymous = forms.BooleanField(label="Semi-anonymous prompt", required=False)

    def __init__(self, *args, anonymous_allowed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not anonymous_allowed:
            del self.fields["anonymous"]

    def tags(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f, "") for f in
                ("fandoms", "relationships", "characters", "freeforms")}
