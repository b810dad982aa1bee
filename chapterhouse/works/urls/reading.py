"""URLs for the reading pages; joined into the works namespace in __init__.py.

They follow AO3's scheme (docs: /work/shared AO3_WIRE, and docs/reading.md).
"""

from django.urls import path

from ..views import reading

urlpatterns = [
    path("works/<int:work_id>", reading.work, name="work"),
    path("works/<int:work_id>/chapters/<int:chapter_id>", reading.chapter, name="chapter"),
    path("works/<int:work_id>/navigate", reading.navigate, name="navigate"),
    path("chapters/<int:chapter_id>", reading.chapter_short, name="chapter_short"),
    path("series/<int:series_id>", reading.series, name="series"),
    path("users/<str:username>/works", reading.user_works, name="user_works"),
    path("users/<str:username>/works/drafts", reading.drafts, name="drafts"),
    path(
        "users/<str:username>/pseuds/<str:pseud>/works",
        reading.user_works,
        name="pseud_works",
    ),
    path("users/<str:username>/series", reading.user_series, name="user_series"),
]
