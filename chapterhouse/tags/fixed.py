"""The fixed tags every archive has, with AO3's ids so AO3 filter URLs work here."""

from .models import TagType

RATINGS = {
    9: "Not Rated",
    10: "General Audiences",
    11: "Teen And Up Audiences",
    12: "Mature",
    13: "Explicit",
}
WARNINGS = {
    14: "Creator Chose Not To Use Archive Warnings",
    16: "No Archive Warnings Apply",
    17: "Graphic Depictions Of Violence",
    18: "Major Character Death",
    19: "Rape/Non-Con",
    20: "Underage Sex",
}
CATEGORIES = {
    21: "Gen",
    22: "F/M",
    23: "M/M",
    24: "Other",
    116: "F/F",
    2246: "Multi",
}

FIXED_TAGS = [
    *((tag_id, name, TagType.RATING) for tag_id, name in RATINGS.items()),
    *((tag_id, name, TagType.WARNING) for tag_id, name in WARNINGS.items()),
    *((tag_id, name, TagType.CATEGORY) for tag_id, name in CATEGORIES.items()),
]

NOT_RATED, GENERAL, TEEN, MATURE, EXPLICIT = 9, 10, 11, 12, 13
CHOSE_NOT_TO_WARN, NO_WARNINGS_APPLY = 14, 16
VIOLENCE, MAJOR_CHARACTER_DEATH, NONCON, UNDERAGE = 17, 18, 19, 20
#: Ratings behind the adult-content interstitial.
ADULT_RATINGS = frozenset({NOT_RATED, MATURE, EXPLICIT})


def ensure_fixed_tags(tag_model=None) -> None:
    """Create any fixed tag that is missing, with its AO3 id. Migrations call
    this with the historical model; tests that flush the database call it
    to put the tags back."""
    if tag_model is None:
        from .models import Tag as tag_model
    for tag_id, name, tag_type in FIXED_TAGS:
        tag_model.objects.update_or_create(
            id=tag_id, defaults={"name": name, "type": str(tag_type), "canonical": True}
        )
