from django.apps import AppConfig


class CollectionsConfig(AppConfig):
    name = "chapterhouse.collections"
    label = "collections"
    verbose_name = "Collections"
