"""URLs of users; see docs/moderation.md."""

urlpatterns: list = []
