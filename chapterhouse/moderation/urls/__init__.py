"""Moderation's URLs, one module per feature, joined here. Admin pages live
under /moderation/; the public ones (reports, news) at AO3's addresses."""

from . import admins, news, queue, reports, site, users

urlpatterns = [
    *reports.urlpatterns,
    *queue.urlpatterns,
    *users.urlpatterns,
    *admins.urlpatterns,
    *news.urlpatterns,
    *site.urlpatterns,
]
