"""The API's pages outside /api/v1/ itself: the token settings page."""

urlpatterns: list = []
