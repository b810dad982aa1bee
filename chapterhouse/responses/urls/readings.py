"""URLs for reading history, Marked for Later and reading progress."""

from django.urls import path

from ..views import readings as views

urlpatterns: list = [
    path("users/<str:username>/readings", views.readings, name="readings"),
    path("users/<str:username>/readings/clear", views.readings_clear, name="readings_clear"),
    path(
        "users/<str:username>/readings/<int:reading_id>",
        views.reading_delete,
        name="reading_delete",
    ),
    path("works/<int:work_id>/mark_for_later", views.mark_for_later,
         name="reading_mark_for_later"),
    path("works/<int:work_id>/mark_as_read", views.mark_as_read, name="reading_mark_as_read"),
    path("works/<int:work_id>/progress", views.progress, name="reading_progress"),
]
