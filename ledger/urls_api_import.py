"""API routes of the ERP imports (mounted under /api/t/<tenant slug>/import/)."""

from django.urls import path

from .api_import import ImportAPIView

urlpatterns = [
    path("<str:kind>/", ImportAPIView.as_view(), name="ledger-import-api"),
]
