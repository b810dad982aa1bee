"""Tags: the fixed ratings, warnings and categories, the names creators type,
and the wrangling that ties them together.

- A tag is *canonical* (used for filtering), a *synonym* of a canonical
  (``merger``; its works are found under the canonical), or unwrangled.
- ``TagParent`` links a tag to its parents: fandoms for characters,
  relationships and freeforms; media for fandoms; characters for
  relationships.
- ``MetaTagging`` makes a canonical a metatag of another of the same type:
  works of the subtag are found under the metatag, transitively.
- ``WorkFilterTag`` holds each work's *effective filter tags*: its canonical
  tags, the canonicals of its synonyms, and every metatag above them.
  Listings read it directly; wrangling recomputes it.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

TAG_NAME_MAX_LENGTH = 150


class TagType(models.TextChoices):
    RATING = "Rating", "Rating"
    WARNING = "ArchiveWarning", "Archive Warning"
    CATEGORY = "Category", "Category"
    FANDOM = "Fandom", "Fandom"
    RELATIONSHIP = "Relationship", "Relationship"
    CHARACTER = "Character", "Character"
    FREEFORM = "Freeform", "Additional Tag"
    UNSORTED = "UnsortedTag", "Unsorted Tag"
    MEDIA = "Media", "Media"


#: Types whose tags creators type in (everything but the fixed ones).
USER_TAG_TYPES = (TagType.FANDOM, TagType.RELATIONSHIP, TagType.CHARACTER, TagType.FREEFORM)


class Tag(models.Model):
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    type = models.CharField(max_length=20, choices=TagType.choices, db_index=True)
    canonical = models.BooleanField(default=False)
    merger = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="synonyms",
        help_text="The canonical tag this one is a synonym of.",
    )
    unwrangleable = models.BooleanField(default=False)
    description = models.TextField(blank=True, help_text="Sanitised HTML.")
    use_count = models.PositiveIntegerField(
        default=0, help_text="Works tagged with it directly (kept by the services)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]
        indexes = [models.Index(fields=["type", "canonical"], name="tag_type_canonical")]
        permissions = [("wrangle_tag", "Can wrangle tags")]

    def __str__(self) -> str:
        return self.name

    @property
    def url_name(self) -> str:
        """The name as AO3 writes it in URLs: / & . ? # become *s* *a* *d* *q* *h*."""
        return tag_name_to_url(self.name)


_URL_ESCAPES = [("/", "*s*"), ("&", "*a*"), (".", "*d*"), ("?", "*q*"), ("#", "*h*")]


def tag_name_to_url(name: str) -> str:
    for raw, escaped in _URL_ESCAPES:
        name = name.replace(raw, escaped)
    return name


def tag_name_from_url(value: str) -> str:
    for raw, escaped in _URL_ESCAPES:
        value = value.replace(escaped, raw)
    return value


class TagParent(models.Model):
    """``child`` belongs to ``parent``: a character to a fandom, a fandom to a medium,
    a relationship to its characters."""

    child = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="child_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "parent"], name="tagparent_unique")
        ]

    def __str__(self) -> str:
        return f"{self.child_id} in {self.parent_id}"


class MetaTagging(models.Model):
    """``meta`` is a metatag of ``sub``: works under ``sub`` also appear under ``meta``."""

    meta = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="sub_links")
    sub = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="meta_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meta", "sub"], name="metatagging_unique")
        ]

    def __str__(self) -> str:
        return f"{self.meta_id} above {self.sub_id}"


class WorkFilterTag(models.Model):
    """One of a work's effective filter tags (see the module docstring)."""

    work = models.ForeignKey("works.Work", on_delete=models.CASCADE, related_name="filter_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="filtered_works")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["work", "tag"], name="workfiltertag_unique")
        ]
        indexes = [models.Index(fields=["tag", "work"], name="workfiltertag_tag_work")]

    def __str__(self) -> str:
        return f"{self.work_id}:{self.tag_id}"


class WranglingAction(models.Model):
    """The audit log: who changed which tag, how, and what it was before."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="wrangling_actions")
    action = models.CharField(max_length=40)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} on {self.tag_id}"


class FilterRecompute(models.Model):
    """A pending recomputation of effective filter tags after wrangling, worked
    through in batches by the background worker (``after_work_id`` is the cursor)."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    after_work_id = models.BigIntegerField(default=0)
    done = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recompute under {self.tag_id}"



class TagWord(models.Model):
    """Each word of a tag's name, lower-cased, so that autocomplete can find
    "Poe" in "Kylo Ren/Poe Dameron" with an index range instead of a scan.
    Kept by ``tags/words.py`` whenever a tag is created or renamed."""

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="words")
    word = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    canonical = models.BooleanField(default=False, help_text="A copy of the tag's, for the index.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "word"], name="tagword_unique")]
        indexes = [models.Index(fields=["canonical", "word"], name="tagword_canonical_word")]

    def __str__(self) -> str:
        return self.word


class TagUseChange(models.Model):
    """A change of a tag's ``use_count`` not folded in yet: +1 when a work
    takes the tag, −1 when it drops it. Posting only inserts these rows, so
    works posted at the same moment with the same tags (every work has a
    rating, a warning and a category) never wait on each other for the tags'
    rows; ``tags.services.filters.tag_use_counts_flush`` folds them in every
    second. No foreign key: a row of a tag deleted meanwhile is dropped
    when folded."""

    id = models.BigAutoField(primary_key=True)
    tag_id = models.BigIntegerField()
    delta = models.SmallIntegerField()

    def __str__(self) -> str:
        return f"{self.tag_id}{self.delta:+d}"
