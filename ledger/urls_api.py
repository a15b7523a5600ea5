"""API routes of the ledger app (mounted under /api/t/<tenant slug>/)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("entries", api.LedgerEntryViewSet, basename="entry")
router.register("applications", api.ApplicationViewSet, basename="application")

urlpatterns = [
    path(
        "customers/<int:pk>/balance/",
        api.BalanceViewSet.as_view({"get": "retrieve"}),
        name="customer-balance",
    ),
    path("import/", include("ledger.urls_api_import")),
    path("ledger/feed/", api.LedgerFeedView.as_view(), name="ledger-feed-api"),
    *router.urls,
]
