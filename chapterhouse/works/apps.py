from django.apps import AppConfig


class WorksConfig(AppConfig):
    name = "chapterhouse.works"
    label = "works"
    verbose_name = "Works"
