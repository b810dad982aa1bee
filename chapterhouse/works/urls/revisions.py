"""URLs for revisions, reader corrections and work skins; joined into the works
namespace in __init__.py."""

from django.urls import path

from ..views import corrections, revisions, skins

urlpatterns = [
    # revisions (creators only)
    path("works/<int:work_id>/history", revisions.history, name="history"),
    path(
        "works/<int:work_id>/chapters/<int:chapter_id>/revisions/<int:revision_id>",
        revisions.chapter_revision,
        name="revision",
    ),
    path(
        "works/<int:work_id>/chapters/<int:chapter_id>/revisions/<int:revision_id>/restore",
        revisions.chapter_revision_restore,
        name="revision_restore",
    ),
    path(
        "works/<int:work_id>/revisions/<int:revision_id>",
        revisions.work_revision,
        name="work_revision",
    ),
    path(
        "works/<int:work_id>/revisions/<int:revision_id>/restore",
        revisions.work_revision_restore,
        name="work_revision_restore",
    ),
    # reader corrections
    path(
        "works/<int:work_id>/chapters/<int:chapter_id>/corrections/new",
        corrections.correction_new,
        name="correction_new",
    ),
    path("works/<int:work_id>/corrections", corrections.corrections, name="corrections"),
    path(
        "works/<int:work_id>/corrections/switch",
        corrections.corrections_switch,
        name="corrections_switch",
    ),
    path(
        "works/<int:work_id>/corrections/<int:correction_id>/accept",
        corrections.correction_accept,
        name="correction_accept",
    ),
    path(
        "works/<int:work_id>/corrections/<int:correction_id>/dismiss",
        corrections.correction_dismiss,
        name="correction_dismiss",
    ),
    path(
        "users/<str:username>/corrections", corrections.my_corrections, name="my_corrections"
    ),
    # work skins
    path("skins", skins.skins, name="skins"),
    path("skins/new", skins.skin_new, name="skin_new"),
    path("skins/<int:skin_id>/edit", skins.skin_edit, name="skin_edit"),
    path("skins/<int:skin_id>/delete", skins.skin_delete, name="skin_delete"),
]
