"""An index of the tasks RUNNING (a few rows of a table that keeps every
finished task): the worker's lease check every second and /metrics's count
of running tasks read it instead of the whole table."""

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"


class Migration(migrations.Migration):

    dependencies = [
        ("responses", "0004_inbox_invitation_kind"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS chapterhouse_tasks_running "
            f"ON {TABLE} (started_at) WHERE status = 'RUNNING'",
            "DROP INDEX IF EXISTS chapterhouse_tasks_running",
        ),
    ]
