"""URLs for the revisions pages; joined into the works namespace in __init__.py."""

urlpatterns = []
