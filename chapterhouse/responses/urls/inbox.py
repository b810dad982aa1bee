"""URLs for inbox."""

urlpatterns: list = []
