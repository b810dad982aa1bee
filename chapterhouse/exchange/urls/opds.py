"""URLs of the OPDS catalogue; see docs/opds-and-feeds.md."""

from django.urls import path
from django.views.generic import RedirectView

from chapterhouse.exchange.opds import views

urlpatterns = [
    path("opds", views.root, name="opds_root"),
    path("opds/", RedirectView.as_view(url="/opds", permanent=True)),
    path("opds/recent", views.recent, name="opds_recent"),
    path("opds/fandoms", views.fandoms, name="opds_fandoms"),
    path("opds/fandoms/<str:name>", views.fandom, name="opds_fandom"),
    path("opds/search.xml", views.search_description, name="opds_search_description"),
    path("opds/search", views.search, name="opds_search"),
]
