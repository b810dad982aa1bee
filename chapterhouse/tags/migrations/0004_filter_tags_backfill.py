"""Compute the effective filter tags and use counts of works that existed
before wrangling did (the rules are in tags/services/filters.py; this copy
uses the historical models, as a migration must)."""

from django.db import migrations

CHUNK = 1000


def _ancestors(MetaTagging, tag_ids):
    parents = {}
    for sub_id, meta_id in MetaTagging.objects.values_list("sub_id", "meta_id"):
        parents.setdefault(sub_id, set()).add(meta_id)
    result = {}
    for tag_id in tag_ids:
        above, stack = set(), list(parents.get(tag_id, ()))
        while stack:
            each = stack.pop()
            if each not in above:
                above.add(each)
                stack.extend(parents.get(each, ()))
        result[tag_id] = above
    return result


def filter_tags_backfill(apps, schema_editor):
    Tag = apps.get_model("tags", "Tag")
    MetaTagging = apps.get_model("tags", "MetaTagging")
    WorkFilterTag = apps.get_model("tags", "WorkFilterTag")
    Work = apps.get_model("works", "Work")
    WorkTag = apps.get_model("works", "WorkTag")

    counts_as = {}
    for tag_id, canonical, merger_id, unwrangleable in Tag.objects.values_list(
        "pk", "canonical", "merger_id", "unwrangleable"
    ):
        if merger_id:
            counts_as[tag_id] = merger_id
        elif canonical or not unwrangleable:
            counts_as[tag_id] = tag_id
    above = _ancestors(MetaTagging, set(counts_as.values()))

    work_ids = list(Work.objects.order_by("pk").values_list("pk", flat=True))
    uses = {}
    for start in range(0, len(work_ids), CHUNK):
        chunk = work_ids[start:start + CHUNK]
        wanted = {work_id: set() for work_id in chunk}
        for work_id, tag_id in WorkTag.objects.filter(work_id__in=chunk).values_list(
            "work_id", "tag_id"
        ):
            uses[tag_id] = uses.get(tag_id, 0) + 1
            base = counts_as.get(tag_id)
            if base is not None:
                wanted[work_id].add(base)
                wanted[work_id] |= above.get(base, set())
        WorkFilterTag.objects.filter(work_id__in=chunk).delete()
        WorkFilterTag.objects.bulk_create(
            WorkFilterTag(work_id=work_id, tag_id=tag_id)
            for work_id, tags in wanted.items()
            for tag_id in sorted(tags)
        )
    for tag_id, count in uses.items():
        Tag.objects.filter(pk=tag_id).update(use_count=count)


class Migration(migrations.Migration):

    dependencies = [
        ("tags", "0003_wrangling"),
        ("works", "0002_text_sources"),
    ]

    operations = [
        migrations.RunPython(filter_tags_backfill, migrations.RunPython.noop),
    ]
