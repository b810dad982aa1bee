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


class GiftExchangeForm(forms.Form):
    """A gift exchange's settings; ``tag_limits`` and ``match_required`` are
    spread over one field per tag type (``fandom_required``, …)."""

    signups_open = forms.BooleanField(label="Sign-ups open", required=False, initial=True)
    signups_open_at = forms.DateTimeField(
        label="Sign-ups open on", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    signups_close_at = forms.DateTimeField(
        label="Sign-ups close on", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Sign-ups close by themselves at this time.",
    )
    assignments_due_at = forms.DateTimeField(
        label="Assignments due", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    requests_required = forms.IntegerField(label="Requests required", initial=1, min_value=0)
    requests_allowed = forms.IntegerField(label="Requests allowed", initial=1, min_value=1)
    offers_required = forms.IntegerField(label="Offers required", initial=1, min_value=0)
    offers_allowed = forms.IntegerField(label="Offers allowed", initial=1, min_value=1)
    tag_set = forms.CharField(
        label="Tag set (title)", required=False, max_length=255,
        help_text="Requests and offers may then name only the tags of this tag set.",
    )

    def __init__(self, *args, **kwargs):
        from .models import TAG_TYPES

        super().__init__(*args, **kwargs)
        defaults = {"fandom": (1, 1, 1)}
        for tag_type in TAG_TYPES:
            required, allowed, match = defaults.get(tag_type, (0, 0, 0))
            label = tag_type.capitalize()
            self.fields[f"{tag_type}_required"] = forms.IntegerField(
                label=f"{label} tags required", initial=required, min_value=0)
            self.fields[f"{tag_type}_allowed"] = forms.IntegerField(
                label=f"{label} tags allowed", initial=allowed, min_value=0)
            self.fields[f"{tag_type}_match"] = forms.IntegerField(
                label=f"{label} tags that must match", initial=match, min_value=-1,
                help_text="0: need not match; -1: all the request names.")

    @classmethod
    def initial_for(cls, exchange) -> dict:
        from .models import TAG_TYPES

        if exchange is None:
            return {}
        initial = {
            name: getattr(exchange, name)
            for name in ("signups_open", "signups_open_at", "signups_close_at",
                         "assignments_due_at", "requests_required", "requests_allowed",
                         "offers_required", "offers_allowed")
        }
        for tag_type in TAG_TYPES:
            initial[f"{tag_type}_required"], initial[f"{tag_type}_allowed"] = exchange.limits(
                tag_type)
            initial[f"{tag_type}_match"] = (exchange.match_required or {}).get(tag_type, 0)
        initial["tag_set"] = exchange.tag_set.title if exchange.tag_set_id else ""
        return initial

    def service_arguments(self) -> dict:
        from .models import TAG_TYPES

        data = dict(self.cleaned_data)
        data.pop("tag_set", None)  # the view finds the tag set by its title
        out = {name: data.pop(name) for name in list(data) if not name.startswith(TAG_TYPES)}
        out["tag_limits"] = {
            t: {"required": data[f"{t}_required"], "allowed": data[f"{t}_allowed"]}
            for t in TAG_TYPES
        }
        out["match_required"] = {t: data[f"{t}_match"] for t in TAG_TYPES if data[f"{t}_match"]}
        return out
