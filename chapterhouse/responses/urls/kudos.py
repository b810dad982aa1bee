"""URLs for kudos."""

urlpatterns: list = []
