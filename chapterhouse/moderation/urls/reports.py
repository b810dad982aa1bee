"""URLs of reports; see docs/moderation-reports.md."""

from django.urls import path

from ..views import reports as views

urlpatterns: list = [
    path("reports/new", views.report_new, name="report_new"),
    # AO3's address of the same form.
    path("abuse_reports/new", views.report_new),
    path("reports/<int:report_id>/thanks", views.report_thanks, name="report_thanks"),
]
