"""URLs of opds; see docs/exchange.md."""

urlpatterns: list = []
