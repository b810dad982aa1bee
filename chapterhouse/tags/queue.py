"""Reads for the wranglers' pages: fandoms to wrangle, and each fandom's queue
of tags that creators used on its works."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from chapterhouse.works.models import WorkTag

from .models import Tag, TagType, WorkFilterTag

#: ``?show=`` values of the queue and the tag types they list (as AO3's URLs).
SHOW_TYPES = {
    "characters": TagType.CHARACTER,
    "relationships": TagType.RELATIONSHIP,
    "freeforms": TagType.FREEFORM,
}
#: ``?status=`` values and what they mean for a tag.
STATUS_FILTERS = {
    "unwrangled": {"canonical": False, "merger__isnull": True, "unwrangleable": False},
    "canonical": {"canonical": True},
    "synonymous": {"merger__isnull": False},
    "unwrangleable": {"unwrangleable": True},
}


@dataclass
class QueueRow:
    tag: Tag
    uses: int


def fandoms_to_wrangle() -> list[tuple[Tag, int]]:
    """Canonical fandoms with the number of unwrangled tags used on their works,
    counted in one grouped query."""
    unwrangled = {f"work__worktag__tag__{key}": value
                  for key, value in STATUS_FILTERS["unwrangled"].items()}
    counts = dict(
        WorkFilterTag.objects.filter(
            tag__type=TagType.FANDOM, tag__canonical=True,
            work__worktag__tag__type__in=tuple(SHOW_TYPES.values()), **unwrangled,
        )
        .values("tag_id")
        .annotate(count=Count("work__worktag__tag", distinct=True))
        .values_list("tag_id", "count")
    )
    fandoms = Tag.objects.filter(type=TagType.FANDOM, canonical=True).order_by("name")
    return [(fandom, counts.get(fandom.pk, 0)) for fandom in fandoms]


def wrangling_queue(*, fandom: Tag, show: str, status: str) -> list[QueueRow]:
    """Tags of one type used on the fandom's works, most used first."""
    tag_type = SHOW_TYPES[show]
    works = WorkFilterTag.objects.filter(tag=fandom).values("work_id")
    rows = (
        WorkTag.objects.filter(work_id__in=works, tag__type=tag_type)
        .filter(**{f"tag__{key}": value for key, value in STATUS_FILTERS[status].items()})
        .values("tag_id")
        .annotate(uses=Count("work_id", distinct=True))
        .order_by("-uses", "tag_id")
    )
    counts = {row["tag_id"]: row["uses"] for row in rows}
    tags = Tag.objects.in_bulk(list(counts)).values()
    ordered = sorted(tags, key=lambda tag: (-counts[tag.pk], tag.name.casefold()))
    return [QueueRow(tag=tag, uses=counts[tag.pk]) for tag in ordered]
