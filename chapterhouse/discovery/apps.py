from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "chapterhouse.discovery"
    label = "discovery"
    verbose_name = "Discovery"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_init, post_save

        from chapterhouse.accounts.models import Pseud, User
        from chapterhouse.works.models import Creatorship, Work, WorkTag

        from . import receivers

        post_save.connect(receivers.on_work_saved, sender=Work, dispatch_uid="discovery-work")
        post_delete.connect(receivers.on_work_deleted, sender=Work, dispatch_uid="discovery-del")
        for model in (Creatorship, WorkTag):
            post_save.connect(receivers.on_work_part_changed, sender=model,
                              dispatch_uid=f"discovery-save-{model.__name__}")
            post_delete.connect(receivers.on_work_part_changed, sender=model,
                                dispatch_uid=f"discovery-delete-{model.__name__}")
        post_save.connect(receivers.on_pseud_saved, sender=Pseud, dispatch_uid="discovery-pseud")
        post_init.connect(receivers.on_user_init, sender=User, dispatch_uid="discovery-user-init")
        post_save.connect(receivers.on_user_saved, sender=User, dispatch_uid="discovery-user")
