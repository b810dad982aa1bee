"""The public tag pages, in AO3's URL scheme (names escaped: ``/``→``*s*`` and so on)."""

from django.urls import path

from . import views

app_name = "tags"

urlpatterns = [
    path("tags/search", views.search, name="search"),
    path("tags/<str:name>/works", views.works, name="works"),
    path("tags/<str:name>", views.show, name="show"),
    path("media", views.media, name="media"),
    path("media/<str:medium>/fandoms", views.media_fandoms, name="media_fandoms"),
    path("autocomplete/tags", views.autocomplete, name="autocomplete"),
]
