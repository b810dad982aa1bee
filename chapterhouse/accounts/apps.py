from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "chapterhouse.accounts"
    label = "accounts"
    verbose_name = "Accounts"
