"""Clean every stored work skin again: the sanitiser now bounds lengths that move
or paint outside a box and keeps "<" out of selectors and @media queries, and
skins saved before must not keep what it now drops."""

from django.db import migrations


def reclean(apps, schema_editor):
    from chapterhouse.works.services.skins import skins_recleaned

    skins_recleaned(apps.get_model("works", "WorkSkin"))


class Migration(migrations.Migration):

    dependencies = [
        ("works", "0003_work_anonymous"),
    ]

    operations = [
        migrations.RunPython(reclean, migrations.RunPython.noop),
    ]
