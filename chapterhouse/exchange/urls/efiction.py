"""URLs of the eFiction import and of claiming imported accounts;
see docs/importing-efiction.md."""

from django.urls import path

from chapterhouse.exchange.importing.efiction import views

urlpatterns: list = [
    path("imports/efiction/new", views.efiction_new, name="efiction_new"),
    path("imports/<int:job_id>", views.import_job, name="import_job"),
    path("claim", views.claim_start, name="claim"),
    path("claim/<str:token>", views.claim_finish, name="claim_finish"),
]
