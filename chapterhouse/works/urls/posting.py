"""URLs for the posting pages; joined into the works namespace in __init__.py."""

from django.urls import path

from ..views import creators, drafts, posting

urlpatterns = [
    path("works/new", posting.work_new, name="new"),
    path("works/autosave", drafts.autosave, name="autosave"),
    path("works/<int:work_id>/edit", posting.work_edit, name="edit"),
    path("works/<int:work_id>/preview", posting.work_preview, name="preview"),
    path("works/<int:work_id>/post", posting.work_post, name="post"),
    path("works/<int:work_id>/delete", posting.work_delete, name="delete"),
    path("works/<int:work_id>/orphan", posting.work_orphan, name="orphan"),
    path("works/<int:work_id>/chapters/new", posting.chapter_new, name="chapter_new"),
    path(
        "works/<int:work_id>/chapters/manage", posting.chapters_manage, name="chapters_manage"
    ),
    path(
        "works/<int:work_id>/chapters/<int:chapter_id>/edit",
        posting.chapter_edit,
        name="chapter_edit",
    ),
    path(
        "works/<int:work_id>/chapters/<int:chapter_id>/delete",
        posting.chapter_delete,
        name="chapter_delete",
    ),
    path("users/<str:username>/creatorships", creators.creatorships, name="creatorships"),
    path("users/<str:username>/gifts", creators.gifts, name="gifts"),
    path("series/<int:series_id>/edit", posting.series_edit, name="series_edit"),
]
