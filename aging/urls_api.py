"""API routes of the aging app (mounted under /api/t/<tenant slug>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("statistics", api.CustomerStatisticsViewSet, basename="customer-statistics")
router.register("recalculations", api.RecalculationRunViewSet, basename="recalculation")

urlpatterns = [
    path("kpis/", api.TenantKpiView.as_view(), name="tenant-kpis"),
    path("me/work-date/", api.WorkDateAPIView.as_view(), name="work-date-api"),
    path("aging/setup/", api.AgingSetupAPIView.as_view(), name="aging-setup-api"),
    *router.urls,
]
