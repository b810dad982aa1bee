"""Owned tag sets (AO3's /tag_sets): writes and reads.

A tag set holds fandoms, characters, relationships and additional tags. Its
owners add and remove tags and review the tags others nominate; a prompt meme
(or an exchange) may take its tags only from one (``tag_set_allows``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from chapterhouse.moderation.guards import may_write
from chapterhouse.tags.models import USER_TAG_TYPES, Tag
from chapterhouse.works.selectors.visibility import signed_in_user
from chapterhouse.works.services.tagging import tag_name_problems, tag_names_split, tags_find_or_create
from chapterhouse.works.text import sanitize_html

from .models import (
    TAG_SET_TITLE_MAX_LENGTH,
    NominationStatus,
    OwnedTagSet,
    TagNomination,
    TagSetTag,
)


def tag_set_allows(tag_set: OwnedTagSet | None, tag: Tag) -> bool:
    """Whether a challenge restricted to ``tag_set`` takes ``tag``: no tag set
    takes everything; else the tag, its canonical, or a synonym of a tag in
    the set."""
    if tag_set is None:
        return True
    ids = {tag.pk}
    if tag.merger_id:
        ids.add(tag.merger_id)
    in_set = TagSetTag.objects.filter(tag_set=tag_set)
    return (
        in_set.filter(tag_id__in=ids).exists()
        or in_set.filter(tag__merger_id__in=ids).exists()
    )
