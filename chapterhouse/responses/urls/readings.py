"""URLs for readings."""

urlpatterns: list = []
