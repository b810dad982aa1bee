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
