"""A work's own "Post anonymously" choice apart from what it shows
(``anonymous``), and the flags collections keep on it (docs/collections.md)."""

from django.db import migrations, models


def creators_choice(apps, schema_editor):
    Work = apps.get_model("works", "Work")
    Work.objects.filter(anonymous=True).update(anonymous_by_creator=True)


class Migration(migrations.Migration):
    dependencies = [
        ("works", "0005_work_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="work",
            name="anonymous",
            field=models.BooleanField(
                default=False,
                help_text='Shown anonymously: readers see "Anonymous" instead of its creators '
                "(the creator's choice, or an anonymous collection not yet revealed).",
            ),
        ),
        migrations.AddField(
            model_name="work",
            name="anonymous_by_creator",
            field=models.BooleanField(
                default=False, help_text='The creator ticked "Post anonymously".'
            ),
        ),
        migrations.AddField(
            model_name="work",
            name="in_anonymous_collection",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="work",
            name="in_unrevealed_collection",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(creators_choice, migrations.RunPython.noop),
    ]
