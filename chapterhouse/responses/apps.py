from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "chapterhouse.responses"
    label = "responses"
    verbose_name = "Responses"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - connects signal handlers
