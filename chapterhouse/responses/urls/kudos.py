"""URLs for kudos, as AO3 spells them."""

from django.urls import path

from ..views import kudos

urlpatterns = [
    path("kudos", kudos.kudos_create, name="kudos_create"),
    path("kudos.js", kudos.kudos_create, {"as_json": True}, name="kudos_create_js"),
    path("works/<int:work_id>/kudos", kudos.kudos_index, name="kudos_index"),
]
