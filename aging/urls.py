"""Pages of the aging app: aging setup, recalculation runs."""

from django.urls import path

from . import views

urlpatterns = [
    path("aging/setup/", views.AgingSetupView.as_view(), name="aging-setup"),
    path("work-date/", views.WorkDateView.as_view(), name="work-date"),
    path("aging/recalculations/", views.RecalculationRunsView.as_view(), name="aging-recalculations"),
    path(
        "aging/recalculations/start/",
        views.RecalculationStartView.as_view(),
        name="aging-recalculation-start",
    ),
    path(
        "aging/recalculations/<int:pk>/progress/",
        views.RecalculationProgressView.as_view(),
        name="aging-recalculation-progress",
    ),
]
