"""URLs of site; see docs/moderation.md."""

urlpatterns: list = []
