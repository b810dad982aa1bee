"""The hit counter's beacon (docs/hits-and-statistics.md). Never cached:
the shipped VCL passes it."""

from django.urls import path

from ..views import hits

urlpatterns = [
    path("works/<int:work_id>/hit", hits.hit_beacon, name="hit_beacon"),
]
