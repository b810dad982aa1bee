"""``Work.version``: changes with everything a work's blurb and page show, so
their rendered HTML can be cached under it (works/services/versions.py)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("works", "0004_reclean_work_skins"),
    ]

    operations = [
        migrations.AddField(
            model_name="work",
            name="version",
            field=models.BigIntegerField(default=0, db_default=0, editable=False),
        ),
    ]
