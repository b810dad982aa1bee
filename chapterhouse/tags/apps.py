from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class TagsConfig(AppConfig):
    name = "chapterhouse.tags"
    label = "tags"
    verbose_name = "Tags"

    def ready(self) -> None:
        from .models import Tag
        from .roles import _after_migrate
        from .words import on_tag_saved

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="tags-wranglers-group")
        # Tag names' words feed autocomplete; every save keeps them (tags/words.py).
        post_save.connect(on_tag_saved, sender=Tag, dispatch_uid="tags-words")
