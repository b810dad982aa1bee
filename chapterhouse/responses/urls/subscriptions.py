"""URLs for subscriptions."""

urlpatterns: list = []
