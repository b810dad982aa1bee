from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "chapterhouse.moderation"
    label = "moderation"
    verbose_name = "Moderation and safety"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import roles_ensure_after_migrate

        post_migrate.connect(roles_ensure_after_migrate, dispatch_uid="moderation-roles")
