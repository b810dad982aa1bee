"""URLs for bookmarks, in AO3's scheme (AO3_WIRE "Listings"; docs/bookmarks.md)."""

from django.urls import path

from ..views import bookmarks as views

urlpatterns = [
    path("works/<int:work_id>/bookmarks", views.work_bookmarks, name="bookmarks_work"),
    path(
        "works/<int:work_id>/bookmarks/new", views.work_bookmark_new, name="bookmarks_work_new"
    ),
    path("series/<int:series_id>/bookmarks", views.series_bookmarks, name="bookmarks_series"),
    path(
        "series/<int:series_id>/bookmarks/new",
        views.series_bookmark_new,
        name="bookmarks_series_new",
    ),
    path("users/<str:username>/bookmarks", views.user_bookmarks, name="bookmarks_user"),
    path(
        "users/<str:username>/pseuds/<str:pseud>/bookmarks",
        views.user_bookmarks,
        name="bookmarks_pseud",
    ),
    path("tags/<str:name>/bookmarks", views.tag_bookmarks, name="bookmarks_tag"),
    path("bookmarks", views.bookmarks_index, name="bookmarks_index"),
    path("bookmarks/search", views.bookmark_search, name="bookmarks_search"),
    path("bookmarks/new", views.external_bookmark_new, name="bookmarks_new"),
    path("external_works/new", views.external_bookmark_new, name="bookmarks_external_new"),
    path("bookmarks/<int:bookmark_id>", views.bookmark_show, name="bookmarks_show"),
    path("bookmarks/<int:bookmark_id>/edit", views.bookmark_edit, name="bookmarks_edit"),
    path("bookmarks/<int:bookmark_id>/delete", views.bookmark_delete, name="bookmarks_delete"),
]
