from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "chapterhouse.api"
    label = "api"
    verbose_name = "Public API"
