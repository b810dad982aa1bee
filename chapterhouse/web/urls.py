from django.urls import path

from . import metrics, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("metrics", metrics.metrics, name="metrics"),
]
