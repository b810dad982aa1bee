"""URLs for stats."""

urlpatterns: list = []
