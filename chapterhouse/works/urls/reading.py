"""URLs for the reading pages; joined into the works namespace in __init__.py."""

urlpatterns = []
