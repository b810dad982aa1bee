"""URLs for the posting pages; joined into the works namespace in __init__.py."""

urlpatterns = []
