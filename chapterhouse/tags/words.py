"""The words of tag names, for autocomplete (see ``models.TagWord``).

Every tag's words are written when the tag is saved (a post_save receiver, so
services, the admin and imports all keep them); code that bulk-creates tags
calls ``tag_words_rebuild`` afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Tag, TagWord

_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)


def words_of(name: str) -> set[str]:
    """Lower-cased words of a name: "Kylo Ren/Poe Dameron" → kylo, ren, poe, dameron."""
    return {match.group(0).lower() for match in _WORD.finditer(name or "")}


def tag_words_rebuild(tags: Iterable[Tag]) -> None:
    tags = list(tags)
    if not tags:
        return
    TagWord.objects.filter(tag__in=tags).delete()
    TagWord.objects.bulk_create(
        [
            TagWord(tag=tag, word=word[:150], canonical=tag.canonical)
            for tag in tags
            for word in sorted(words_of(tag.name))
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def on_tag_saved(sender, instance: Tag, raw=False, **kwargs) -> None:
    if raw:
        return
    current = {(w, c) for w, c in instance.words.values_list("word", "canonical")}
    wanted = {(word[:150], instance.canonical) for word in words_of(instance.name)}
    if current != wanted:
        tag_words_rebuild([instance])
