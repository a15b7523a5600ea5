"""Pages of the ledger app (mounted under /t/<tenant slug>/ledger/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.LedgerEntryListView.as_view(), name="ledger-entries"),
]
