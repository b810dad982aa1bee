"""URLs of importing; see docs/exchange.md."""

urlpatterns: list = []
