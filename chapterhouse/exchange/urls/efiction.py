"""URLs of efiction; see docs/exchange.md."""

urlpatterns: list = []
