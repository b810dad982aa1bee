"""URLs of news; see docs/moderation.md."""

urlpatterns: list = []
