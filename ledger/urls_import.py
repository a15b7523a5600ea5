"""Pages of the ERP imports (mounted under /t/<tenant slug>/ledger/import/)."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("", views_import.ImportView.as_view(), name="ledger-import"),
    path("formats/", views_import.ImportFormatsView.as_view(), name="ledger-import-formats"),
    path(
        "formats/sample-<slug:kind>.csv", views_import.ImportSampleView.as_view(), name="ledger-import-sample"
    ),
    path("<uuid:job_id>/", views_import.ImportJobView.as_view(), name="ledger-import-job"),
    path("<uuid:job_id>/progress/", views_import.ImportProgressView.as_view(), name="ledger-import-progress"),
]
