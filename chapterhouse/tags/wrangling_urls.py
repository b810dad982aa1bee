"""The wranglers' pages (AO3: /tag_wranglings, /tags/FANDOM/wrangle)."""

from django.urls import path

from . import wrangling_views

app_name = "wrangling"

urlpatterns = [
    path("tag_wranglings", wrangling_views.fandoms, name="fandoms"),
    path("tags/<str:name>/wrangle", wrangling_views.fandom_queue, name="queue"),
]
