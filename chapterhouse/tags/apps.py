from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "chapterhouse.tags"
    label = "tags"
    verbose_name = "Tags"
