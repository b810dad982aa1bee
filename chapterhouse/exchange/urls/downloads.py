"""URLs of downloads; see docs/exchange.md."""

urlpatterns: list = []
