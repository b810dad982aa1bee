"""Indexes for tag autocomplete: canonical tags first, matched by the start of
their lower-cased name. PostgreSQL needs the "C" collation for a prefix range
on an expression index; SQLite compares bytes already."""

from django.db import migrations

POSTGRES = (
    'CREATE INDEX IF NOT EXISTS tag_canonical_name_key ON tags_tag '
    '(canonical, (lower(name) COLLATE "C"))'
)
SQLITE = "CREATE INDEX IF NOT EXISTS tag_canonical_name_key ON tags_tag (canonical, lower(name))"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS tag_canonical_name_key")


class Migration(migrations.Migration):
    dependencies = [("tags", "0004_filter_tags_backfill")]

    operations = [migrations.RunPython(create, drop)]
