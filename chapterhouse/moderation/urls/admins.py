"""URLs of admins; see docs/moderation.md."""

urlpatterns: list = []
