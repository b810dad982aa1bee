"""The exchange's URLs, one module per feature, joined here."""

from . import downloads, efiction, importing, opds

urlpatterns = [
    *downloads.urlpatterns,
    *opds.urlpatterns,
    *importing.urlpatterns,
    *efiction.urlpatterns,
]
