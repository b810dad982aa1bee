from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "chapterhouse.responses"
    label = "responses"
    verbose_name = "Responses"

    def ready(self) -> None:
        from chapterhouse.accounts.services import account_deleting

        from . import receivers

        account_deleting.connect(receivers.on_account_deleting, dispatch_uid="responses-account")
