"""The responses app's URLs, one module per feature, joined here.

They follow AO3's scheme (see AO3_WIRE in the shared docs and docs/responses.md)."""

from . import bookmarks, comments, hits, inbox, kudos, readings, stats, subscriptions

app_name = "responses"

urlpatterns = [
    *kudos.urlpatterns,
    *comments.urlpatterns,
    *bookmarks.urlpatterns,
    *subscriptions.urlpatterns,
    *readings.urlpatterns,
    *inbox.urlpatterns,
    *stats.urlpatterns,
    *hits.urlpatterns,
]
