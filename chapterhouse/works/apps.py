from django.apps import AppConfig


class WorksConfig(AppConfig):
    name = "chapterhouse.works"
    label = "works"
    verbose_name = "Works"

    def ready(self) -> None:
        from chapterhouse.accounts.services import account_deleting, pseud_deleting

        from . import receivers

        account_deleting.connect(receivers.on_account_deleting, dispatch_uid="works-account")
        pseud_deleting.connect(receivers.on_pseud_deleting, dispatch_uid="works-pseud")

        # What a blurb shows beyond the work's own rows (works/services/versions.py).
        from django.db.models.signals import post_delete, post_init, post_save

        from chapterhouse.tags.models import Tag

        from .models import Gift, Series, SeriesWork, Work

        post_save.connect(receivers.on_series_saved, sender=Series, dispatch_uid="works-v-series")
        for model in (SeriesWork, Gift):
            post_save.connect(receivers.on_work_row_changed, sender=model,
                              dispatch_uid=f"works-v-save-{model.__name__}")
            post_delete.connect(receivers.on_work_row_changed, sender=model,
                                dispatch_uid=f"works-v-delete-{model.__name__}")
        post_init.connect(receivers.on_tag_init, sender=Tag, dispatch_uid="works-v-tag-init")
        post_save.connect(receivers.on_tag_saved, sender=Tag, dispatch_uid="works-v-tag")
        post_save.connect(receivers.on_work_saved, sender=Work, dispatch_uid="works-v-work")
