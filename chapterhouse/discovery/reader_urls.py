"""A reader's mutes, saved filters and follows, and the Atom feeds.

Include with ``path("", include("chapterhouse.discovery.reader_urls"))``; the
names live in the ``reader`` namespace (``url('reader:filter_subscribe')``).
"""

from django.urls import path

from . import reader_views as views

app_name = "reader"

urlpatterns = [
    # The owner's pages.
    path("users/<str:username>/muted", views.muted, name="muted"),
    path("users/<str:username>/saved_filters", views.saved_filters, name="saved_filters"),
    path(
        "users/<str:username>/filter_subscriptions",
        views.filter_subscriptions,
        name="filter_subscriptions",
    ),
    # Actions for the reader signed in (POST).
    path("mutes/users", views.user_mute, name="user_mute"),
    path("mutes/users/delete", views.user_unmute, name="user_unmute"),
    path("mutes/tags", views.tag_mute, name="tag_mute"),
    path("mutes/tags/delete", views.tag_unmute, name="tag_unmute"),
    path("saved_filters", views.saved_filter_create, name="saved_filter_create"),
    path(
        "saved_filters/<int:filter_id>/delete",
        views.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path("filter_subscriptions", views.filter_subscribe, name="filter_subscribe"),
    path("filter_subscriptions/delete", views.filter_unsubscribe, name="filter_unsubscribe"),
    # Feeds.
    path("tags/<str:name>/feed.atom", views.tag_feed, name="tag_feed"),
    path("saved_filters/<str:token>/feed.atom", views.saved_filter_feed, name="saved_filter_feed"),
]
