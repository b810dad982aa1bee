"""URLs of importing: the import page (docs/importing.md)."""

from django.urls import path

from chapterhouse.exchange.importing import views

urlpatterns = [
    path("works/import", views.work_import_page, name="work_import"),
]
