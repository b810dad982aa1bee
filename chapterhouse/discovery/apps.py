from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "chapterhouse.discovery"
    label = "discovery"
    verbose_name = "Discovery"
