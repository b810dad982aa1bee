"""URLs for creator statistics, as AO3 spells them."""

from django.urls import path

from ..views import stats

urlpatterns = [
    path("users/<str:username>/stats", stats.stats_index, name="stats_index"),
]
