from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "chapterhouse.exchange"
    label = "exchange"
    verbose_name = "Exchange: downloads, feeds and imports"
