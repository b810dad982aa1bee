"""URLs of the admin queue; see docs/moderation-queue.md."""

from django.urls import path

from ..views import queue as views

urlpatterns: list = [
    path("moderation", views.dashboard, name="moderation_dashboard"),
    path("moderation/reports", views.queue, name="moderation_queue"),
    path("moderation/reports/bulk", views.queue_bulk, name="moderation_queue_bulk"),
    path("moderation/reports/<str:target_type>/<int:target_id>", views.target_show,
         name="moderation_target"),
    path("moderation/reports/<str:target_type>/<int:target_id>/<str:action>",
         views.target_action, name="moderation_target_action"),
]
