"""URLs for comments."""

urlpatterns: list = []
