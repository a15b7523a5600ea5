"""Pages of the ledger app (mounted under /t/<tenant slug>/ledger/)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.LedgerEntryListView.as_view(), name="ledger-entries"),
    path("import/", include("ledger.urls_import")),
]
