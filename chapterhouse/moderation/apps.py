from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "chapterhouse.moderation"
    label = "moderation"
    verbose_name = "Moderation and safety"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import roles_ensure_after_migrate

        post_migrate.connect(roles_ensure_after_migrate, dispatch_uid="moderation-roles")

        from django.db.models.signals import post_delete, post_save

        from .middleware import sanctions_changed
        from .models import Sanction

        post_save.connect(sanctions_changed, sender=Sanction, dispatch_uid="sanction-saved")
        post_delete.connect(sanctions_changed, sender=Sanction, dispatch_uid="sanction-deleted")
