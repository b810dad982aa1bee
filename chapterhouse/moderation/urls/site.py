"""URLs of the guest switches and blocked addresses; see docs/moderation-guests.md."""

from django.urls import path

from ..views import site as views

urlpatterns: list = [
    path("moderation/site", views.site_page, name="moderation_site"),
    path("moderation/site/switches", views.switches_update, name="moderation_site_switches"),
    path("moderation/site/blocks", views.block_create, name="moderation_block_create"),
    path("moderation/site/blocks/<int:block_id>/delete", views.block_delete,
         name="moderation_block_delete"),
]
