"""URLs for bookmarks."""

urlpatterns: list = []
