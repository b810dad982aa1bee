from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chapterhouse.web"
    label = "web"
    verbose_name = "Site frame"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .sqlitefiles import keep_wal_files

        connection_created.connect(keep_wal_files, dispatch_uid="chapterhouse-keep-wal-files")
