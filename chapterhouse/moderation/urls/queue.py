"""URLs of queue; see docs/moderation.md."""

urlpatterns: list = []
