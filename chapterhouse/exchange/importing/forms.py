"""The import form: a file, and the work fields a file may lack.

``fill`` puts what the form says into the parsed file: an AO3 download keeps
its own rating, warnings and language, and the form's categories and typed
tags are added to its own; a text, Markdown or Word file takes them all from
the form. The rules themselves (a fandom is required, limits) are the works
services', applied by ``services.work_import``.
"""

from __future__ import annotations

from django import forms

from chapterhouse.accounts import selectors as people
from chapterhouse.tags.fixed import CATEGORIES, RATINGS, WARNINGS
from chapterhouse.works.languages import LANGUAGE_CHOICES, LANGUAGES

from .files import ACCEPT, MAX_UPLOAD_BYTES, too_big_message
from .parsed import ParsedWork

AUTO, POST, DRAFT = "auto", "post", "draft"
#: The fields only admins see.
ADMIN_FIELDS = ("import_for", "match_creators")


def _tags(label: str, suggest: str, help_text: str = "") -> forms.CharField:
    attrs = {"data-autocomplete": suggest}
    if suggest in ("Character", "Relationship"):
        attrs["data-autocomplete-fandoms"] = "#id_fandoms"
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _names(value: str) -> list[str]:
    return [" ".join(name.split()) for name in (value or "").split(",") if name.strip()]


def _add_missing(names: list[str], more: list[str]) -> list[str]:
    known = {name.casefold() for name in names}
    return names + [name for name in more if name.casefold() not in known
                    and not known.add(name.casefold())]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="An AO3 download (HTML or EPUB), or your own text (.txt), Markdown (.md) "
                  "or Word (.docx) file; at most 20 MB.",
        error_messages={"required": "Please choose a file to import.",
                        "empty": "The file you chose is empty."},
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    fandoms = _tags("Fandoms", "Fandom",
                    help_text="Separate names with commas. Required unless the file is an AO3 "
                              "download that names its fandoms.")
    rating = forms.TypedChoiceField(
        label="Rating", coerce=int, required=False, empty_value=None,
        choices=[("", "As the file says (Not Rated if it does not say)"), *RATINGS.items()],
    )
    warnings = forms.TypedMultipleChoiceField(
        label="Archive Warnings", coerce=int, required=False, choices=list(WARNINGS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="Used when the file has none: then, with none chosen here, the work says "
                  "Creator Chose Not To Use Archive Warnings.",
    )
    categories = forms.TypedMultipleChoiceField(
        label="Categories", coerce=int, required=False, choices=list(CATEGORIES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    relationships = _tags("Relationships", "Relationship")
    characters = _tags("Characters", "Character")
    freeforms = _tags("Additional Tags", "Freeform")
    language = forms.ChoiceField(
        label="Language", required=False, initial="",
        choices=[("", "As the file says (English if it does not say)"), *LANGUAGE_CHOICES],
    )
    publish = forms.ChoiceField(
        label="When imported", initial=AUTO, widget=forms.RadioSelect,
        choices=[
            (AUTO, "Post AO3 downloads now; save text, Markdown and Word files as drafts "
                   "to complete"),
            (POST, "Post now"),
            (DRAFT, "Save as draft"),
        ],
    )
    import_for = forms.CharField(
        label="Import for user", required=False,
        help_text="A user name: the work is theirs. Leave empty to import it as yours.",
    )
    match_creators = forms.BooleanField(
        label="Match creators to accounts here", required=False,
        help_text="Credit the accounts whose pseuds carry the creators' names in the file.",
    )

    GROUPS = [
        ("File", ["file"]),
        ("Tags the file may lack", ["fandoms", "rating", "warnings", "categories",
                                    "relationships", "characters", "freeforms", "language"]),
        ("Posting", ["publish"]),
        ("Admin", list(ADMIN_FIELDS)),
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.is_staff:
            for name in ADMIN_FIELDS:
                del self.fields[name]

    def group_fields(self):
        groups = []
        for legend, names in self.GROUPS:
            shown = [self[name] for name in names if name in self.fields]
            if shown:
                groups.append((legend, shown))
        return groups

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_big_message(upload.name))
        return upload

    def clean_import_for(self):
        name = (self.cleaned_data.get("import_for") or "").strip()
        if not name:
            return None
        owner = people.user_by_name(name)
        if owner is None:
            raise forms.ValidationError(f"There is no user called {name}.")
        return owner

    def owner(self):
        """Whose the work will be: the admin's chosen user, else None (the importer)."""
        return self.cleaned_data.get("import_for")

    def match(self) -> bool:
        return bool(self.cleaned_data.get("match_creators"))

    def post(self, *, is_ao3: bool) -> bool:
        choice = self.cleaned_data.get("publish") or AUTO
        return choice == POST or (choice == AUTO and is_ao3)

    def fill(self, parsed: ParsedWork) -> ParsedWork:
        """Put the form's values into ``parsed`` where the file lacks them."""
        data = self.cleaned_data
        if not parsed.rating and data.get("rating"):
            parsed.rating = RATINGS[data["rating"]]
        if not parsed.warnings:
            parsed.warnings = [WARNINGS[w] for w in data.get("warnings") or []]
        parsed.categories = _add_missing(
            parsed.categories, [CATEGORIES[c] for c in data.get("categories") or []]
        )
        for name in ("fandoms", "relationships", "characters", "freeforms"):
            setattr(parsed, name, _add_missing(getattr(parsed, name), _names(data.get(name))))
        language = data.get("language")
        if language and (not parsed.language or not _known_language(parsed.language)):
            parsed.language = language
        return parsed


def _known_language(value: str) -> bool:
    from .services import language_code

    return language_code(value) is not None or value in LANGUAGES
