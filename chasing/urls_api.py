"""API routes of chasing (mounted under /api/t/<tenant slug>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("chasing/policies", api.PolicyViewSet, basename="chasing-policy")
router.register("chasing/runs", api.RunViewSet, basename="chasing-run")
router.register("chasing/reminders", api.ReminderViewSet, basename="chasing-reminder")

urlpatterns = [
    path("chasing/policies/<int:pk>/levels/", api.PolicyLevelsView.as_view(), name="chasing-policy-levels"),
    path(
        "chasing/policies/<int:pk>/levels/<int:number>/",
        api.PolicyLevelView.as_view(),
        name="chasing-policy-level",
    ),
    path("chasing/setup/", api.SetupView.as_view(), name="chasing-setup-api"),
    path("chasing/groups/", api.GroupChasingListView.as_view(), name="chasing-groups-api"),
    path("chasing/groups/<int:pk>/", api.GroupChasingView.as_view(), name="chasing-group-api"),
    path("chasing/pause/", api.PauseView.as_view(), name="chasing-pause-api"),
    path("chasing/resume/", api.ResumeView.as_view(), name="chasing-resume-api"),
    path("customers/<int:pk>/chasing/", api.CustomerChasingView.as_view(), name="customer-chasing-api"),
    *router.urls,
]
