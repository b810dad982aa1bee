"""Forms for posting and editing. They check the shape of input and turn it
into the services' field sets; the rules (limits, required tags, consent) are
in ``services/``. No text field carries a ``maxlength``: a browser would cut a
paste short without a word, and the service's message says what is too long.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

from django import forms
from django.http import QueryDict
from django.utils import timezone

from chapterhouse.accounts import selectors as people
from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS

from ..languages import LANGUAGE_CHOICES
from ..models import CommentPermission, WorkSkin
from ..services import chapters as chapter_services
from ..services import limits
from ..services.posting import WorkFields
from ..services.series import series_of_user
from ..services.tagging import TagChoice
from ..text import TextFormat

FORMAT_CHOICES = TextFormat.choices


def _format_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=FORMAT_CHOICES, initial=TextFormat.HTML, required=False,
        coerce=str, empty_value=TextFormat.HTML,
    )


def _text(label: str, *, rows: int = 4, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, strip=False, help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "cols": 60}),
    )


def _line(label: str, *, help_text: str = "", suggest: str = "") -> forms.CharField:
    attrs = {}
    if suggest:
        attrs["data-autocomplete"] = suggest
        if suggest in ("Character", "Relationship"):
            attrs["data-autocomplete-fandoms"] = "#id_fandoms"
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


def _optional_int(value):
    return int(value) if value not in (None, "") else None


def _expected(value: str) -> int | None:
    value = (value or "").strip()
    if value in ("", "?"):
        return None
    if not re.fullmatch(r"[0-9]+", value):
        raise forms.ValidationError("Please give a number, or ? when you don't know yet.")
    # A number longer than any count is past the limit the service names.
    return int(value) if len(value) <= 20 else limits.COUNT_MAX + 1


class WorkForm(forms.Form):
    """AO3's new-work form: tags, preface, associations, privacy, first chapter."""

    pseud = forms.TypedChoiceField(label="Creator/Pseud", coerce=int, required=False)
    rating = forms.TypedChoiceField(
        label="Rating", coerce=int, required=False,
        choices=[("", "Choose a rating"), *RATINGS.items()],
    )
    warnings = forms.TypedMultipleChoiceField(
        label="Archive Warnings", coerce=int, required=False,
        choices=list(WARNINGS.items()), widget=forms.CheckboxSelectMultiple,
    )
    categories = forms.TypedMultipleChoiceField(
        label="Categories", coerce=int, required=False,
        choices=list(CATEGORIES.items()), widget=forms.CheckboxSelectMultiple,
    )
    # data-autocomplete: tags/static/tags/autocomplete.js offers canonical tags
    # as the writer types; without JavaScript these are plain text fields.
    fandoms = _line("Fandoms", help_text="Separate names with commas.", suggest="Fandom")
    relationships = _line("Relationships", suggest="Relationship")
    characters = _line("Characters", suggest="Character")
    freeforms = _line("Additional Tags", suggest="Freeform")
    title = forms.CharField(label="Work Title", required=False, strip=False)
    summary = _text("Summary", rows=5, help_text="At most 1,250 characters.")
    summary_format = _format_field("Summary format")
    notes = _text("Notes at the beginning", help_text="At most 5,000 characters.")
    notes_format = _format_field("Beginning notes format")
    endnotes = _text("Notes at the end", help_text="At most 5,000 characters.")
    endnotes_format = _format_field("End notes format")
    language = forms.ChoiceField(label="Choose a language", choices=LANGUAGE_CHOICES,
                                 initial="en")
    series = forms.TypedChoiceField(label="Add to one of your series", coerce=int,
                                    required=False, empty_value=None)
    new_series_title = _line("Or create a new series")
    cocreators = _line(
        "Invite co-creators",
        help_text="User names or pseuds, separated by commas. They must accept.",
    )
    gifts = _line("Gift this work to", help_text="User names or names, separated by commas.")
    parent_url = _line(
        "Inspired by (URL)",
        help_text="A /works/ID address of a work here, or a web address elsewhere.",
    )
    parent_title = _line("Title of the work it is related to (if elsewhere)")
    parent_author = _line("Creator of the work it is related to (if elsewhere)")
    parent_translation = forms.BooleanField(label="This is a translation", required=False)
    restricted = forms.BooleanField(
        label="Only show your work to registered users", required=False
    )
    anonymous = forms.BooleanField(
        label="Post anonymously (your name is hidden from readers; you can still edit the work)",
        required=False,
    )
    comment_permission = forms.ChoiceField(
        label="Who can comment on this work", choices=CommentPermission.choices,
        initial=CommentPermission.EVERYONE, widget=forms.RadioSelect,
    )
    moderated_comments = forms.BooleanField(
        label="Enable comment moderation", required=False
    )
    corrections_enabled = forms.BooleanField(
        label="Readers may propose corrections", required=False, initial=True
    )
    published_on = forms.DateField(
        label="Set a different publication date", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Backdating: a date in the past. Leave empty for today.",
    )
    skin = forms.TypedChoiceField(label="Select Work Skin", coerce=int, required=False,
                                  empty_value=None)
    expected_chapters = forms.CharField(
        label="Expected number of chapters", required=False, initial="?",
        help_text="A number, or ? when you don't know yet.",
    )
    change_note = _line("Change note", help_text="Shown to readers; at most 300 characters.")
    chapter_title = _line("Chapter title")
    content = _text("Work Text", rows=20)
    content_format = _format_field("Work text format")

    #: Fields shown in groups by the template, in order.
    GROUPS = [
        ("Tags", ["rating", "warnings", "fandoms", "categories", "relationships",
                  "characters", "freeforms"]),
        ("Preface", ["title", "pseud", "cocreators", "summary", "summary_format", "notes",
                     "notes_format", "endnotes", "endnotes_format"]),
        ("Associations", ["gifts", "parent_url", "parent_title", "parent_author",
                          "parent_translation", "series", "new_series_title",
                          "expected_chapters", "published_on", "language", "skin"]),
        ("Privacy", ["restricted", "anonymous", "comment_permission", "moderated_comments",
                     "corrections_enabled"]),
        ("Work Text", ["chapter_title", "content", "content_format", "change_note"]),
    ]

    def __init__(self, *args, user, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        if creating:
            self.fields["pseud"].choices = [(p.pk, p.name) for p in people.pseuds_of(user)]
            self.fields["pseud"].initial = people.default_pseud(user).pk
        else:
            del self.fields["pseud"]
            self.fields["cocreators"].label = "Invite more co-creators"
        self.fields["series"].choices = [("", "None")] + [
            (s.pk, s.title) for s in series_of_user(user)
        ]
        self.fields["skin"].choices = [("", "None")] + [
            (s.pk, s.title) for s in WorkSkin.objects.filter(owner=user).order_by("title")
        ]

    def group_fields(self):
        return [(name, [self[f] for f in names if f in self.fields])
                for name, names in self.GROUPS]

    def clean_expected_chapters(self):
        return _expected(self.cleaned_data.get("expected_chapters"))

    def to_fields(self) -> WorkFields:
        data = self.cleaned_data
        return WorkFields(
            title=data["title"], summary=data["summary"],
            summary_format=data["summary_format"] or TextFormat.HTML,
            notes=data["notes"], notes_format=data["notes_format"] or TextFormat.HTML,
            endnotes=data["endnotes"], endnotes_format=data["endnotes_format"] or TextFormat.HTML,
            language=data["language"],
            tags=TagChoice(
                rating=data["rating"] or None, warnings=list(data["warnings"]),
                categories=list(data["categories"]), fandoms=data["fandoms"],
                relationships=data["relationships"], characters=data["characters"],
                freeforms=data["freeforms"],
            ),
            series_id=data["series"], new_series_title=data["new_series_title"],
            cocreators=data["cocreators"], gifts=data["gifts"],
            parent_url=data["parent_url"], parent_title=data["parent_title"],
            parent_author=data["parent_author"], parent_translation=data["parent_translation"],
            comment_permission=data["comment_permission"],
            moderated_comments=data["moderated_comments"], restricted=data["restricted"],
            anonymous=data["anonymous"], published_on=data["published_on"],
            corrections_enabled=data["corrections_enabled"], skin_id=data["skin"],
            change_note=data["change_note"], expected_chapters=data["expected_chapters"],
            pseud_id=data.get("pseud") or None,
            chapter_title=data["chapter_title"], content=data["content"],
            content_format=data["content_format"] or TextFormat.HTML,
        )

    @staticmethod
    def initial_of(fields: WorkFields) -> dict:
        tags = fields.tags
        return {
            "title": fields.title, "summary": fields.summary, "notes": fields.notes,
            "endnotes": fields.endnotes, "language": fields.language,
            "rating": tags.rating, "warnings": tags.warnings, "categories": tags.categories,
            "fandoms": tags.fandoms, "relationships": tags.relationships,
            "characters": tags.characters, "freeforms": tags.freeforms,
            "series": fields.series_id, "gifts": fields.gifts,
            "parent_url": fields.parent_url, "parent_title": fields.parent_title,
            "parent_author": fields.parent_author,
            "parent_translation": fields.parent_translation,
            "comment_permission": fields.comment_permission,
            "moderated_comments": fields.moderated_comments, "restricted": fields.restricted,
            "anonymous": fields.anonymous,
            "corrections_enabled": fields.corrections_enabled, "skin": fields.skin_id,
            "change_note": fields.change_note,
            "expected_chapters": "?" if fields.expected_chapters is None
            else str(fields.expected_chapters),
            "chapter_title": fields.chapter_title, "content": fields.content,
            "summary_format": fields.summary_format, "notes_format": fields.notes_format,
            "endnotes_format": fields.endnotes_format, "content_format": fields.content_format,
        }


class ChapterForm(forms.Form):
    title = _line("Chapter Title")
    expected_chapters = forms.CharField(
        label="Expected number of chapters in the work", required=False,
        help_text="A number, or ? when you don't know yet.",
    )
    summary = _text("Chapter Summary", help_text="At most 1,250 characters.")
    summary_format = _format_field("Summary format")
    notes = _text("Notes at the beginning", help_text="At most 5,000 characters.")
    notes_format = _format_field("Beginning notes format")
    endnotes = _text("Notes at the end", help_text="At most 5,000 characters.")
    endnotes_format = _format_field("End notes format")
    content = _text("Chapter Text", rows=20)
    content_format = _format_field("Chapter text format")
    scheduled_for = forms.DateTimeField(
        label="Schedule to post at", required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Optional: a date and time in the future, in your time zone.",
    )

    def __init__(self, *args, time_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        try:
            self.zone = zoneinfo.ZoneInfo(time_zone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.zone = zoneinfo.ZoneInfo("UTC")

    def clean_expected_chapters(self):
        return _expected(self.cleaned_data.get("expected_chapters"))

    def clean_scheduled_for(self):
        value = self.cleaned_data.get("scheduled_for")
        if value is None:
            return None
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.zone)

    def to_fields(self) -> chapter_services.ChapterFields:
        data = self.cleaned_data
        return chapter_services.ChapterFields(
            title=data["title"], summary=data["summary"],
            summary_format=data["summary_format"] or TextFormat.HTML,
            notes=data["notes"], notes_format=data["notes_format"] or TextFormat.HTML,
            endnotes=data["endnotes"], endnotes_format=data["endnotes_format"] or TextFormat.HTML,
            content=data["content"], content_format=data["content_format"] or TextFormat.HTML,
            scheduled_for=data["scheduled_for"], expected_chapters=data["expected_chapters"],
        )

    def initial_of(self, fields: chapter_services.ChapterFields) -> dict:
        scheduled = fields.scheduled_for
        expected = fields.expected_chapters
        return {
            "title": fields.title, "summary": fields.summary, "notes": fields.notes,
            "endnotes": fields.endnotes, "content": fields.content,
            "summary_format": fields.summary_format, "notes_format": fields.notes_format,
            "endnotes_format": fields.endnotes_format, "content_format": fields.content_format,
            "scheduled_for": scheduled.astimezone(self.zone).replace(tzinfo=None)
            if isinstance(scheduled, datetime.datetime) else None,
            "expected_chapters": "?" if expected in (None, chapter_services.UNCHANGED)
            else str(expected),
        }


class SeriesForm(forms.Form):
    title = forms.CharField(label="Series Title", required=False)
    summary = _text("Series Description")
    summary_format = _format_field("Description format")
    notes = _text("Series Notes")
    notes_format = _format_field("Notes format")
    complete = forms.BooleanField(label="Complete", required=False)


def initial_from_data(form: forms.Form, data: dict[str, list[str]]) -> dict:
    """What the form's fields would show for saved POST data, as ``initial``
    values, so a restored form displays the text without reporting errors."""
    query = QueryDict(mutable=True)
    for name, values in (data or {}).items():
        query.setlist(name, values if isinstance(values, list) else [values])
    initial = {}
    for name, bound in form.fields.items():
        initial[name] = bound.widget.value_from_datadict(query, {}, form.add_prefix(name))
    return initial
