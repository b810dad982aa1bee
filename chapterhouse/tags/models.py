"""Tags: the fixed ratings, warnings and categories, and the names creators type.

Wrangling (canonical tags, synonyms, metatags, fandom links) builds on this
model in a later step; for now a tag is a name with a type.
"""

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


#: Types whose tags creators type in (everything but the fixed ones).
USER_TAG_TYPES = (TagType.FANDOM, TagType.RELATIONSHIP, TagType.CHARACTER, TagType.FREEFORM)


class Tag(models.Model):
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    type = models.CharField(max_length=20, choices=TagType.choices, db_index=True)
    canonical = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

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
