"""API routes of the interactions app (mounted under /api/t/<tenant slug>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("status-codes", api.StatusCodeViewSet, basename="status-code")
router.register("interactions", api.InteractionViewSet, basename="interaction")
router.register("todos", api.ToDoViewSet, basename="todo")
router.register("promises", api.PromiseViewSet, basename="promise")

urlpatterns = [
    path("customers/<int:pk>/timeline/", api.CustomerTimelineView.as_view(), name="customer-timeline-api"),
    *router.urls,
]
