"""URLs of reports; see docs/moderation.md."""

urlpatterns: list = []
