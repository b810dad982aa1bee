"""Finding works, in AO3's URL scheme: filtered listings, languages, search."""

from django.urls import path

from . import views

app_name = "discovery"

urlpatterns = [
    path("works", views.works_index, name="works"),
    path("works/search", views.works_search, name="search"),
    path("languages/<str:code>/works", views.language_works, name="language_works"),
    path("help/search-results.html", views.search_help, name="search_help"),
    # AO3's addresses of the same help, linked from its search results headings.
    path("help/work-search-results-help.html", views.search_help),
    path("help/bookmark-search-results-help.html", views.search_help),
    path("help/symbols-key.html", views.symbols_key, name="symbols_key"),
]
