"""Create the fixed ratings, warnings and categories with AO3's ids."""

from django.db import migrations


def create_fixed_tags(apps, schema_editor):
    from chapterhouse.tags.fixed import ensure_fixed_tags

    ensure_fixed_tags(apps.get_model("tags", "Tag"))
    if schema_editor.connection.vendor == "postgresql":
        # Explicit ids do not move the sequence; move it past them.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('tags_tag', 'id'), "
                "(SELECT MAX(id) FROM tags_tag))"
            )


class Migration(migrations.Migration):
    dependencies = [("tags", "0001_initial")]

    operations = [migrations.RunPython(create_fixed_tags, migrations.RunPython.noop)]
