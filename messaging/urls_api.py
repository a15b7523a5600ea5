"""API routes of messaging (mounted under /api/t/<tenant slug>/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("messages/batches", api.BatchViewSet, basename="message-batch-api")
router.register("messages/print-runs", api.PrintRunViewSet, basename="print-run-api")
router.register("messages", api.MessageViewSet, basename="message-api")

urlpatterns = [
    path("messages/events/", api.MessageEventView.as_view(), name="message-events-api"),
    path("messages/events/signed/", api.SignedMessageEventView.as_view(), name="message-events-signed-api"),
    path("entries/<int:pk>/document/", api.EntryDocumentView.as_view(), name="entry-document-api"),
    path("documents/import/", api.DocumentImportView.as_view(), name="document-import-api"),
    path(
        "documents/import/<uuid:job_id>/", api.DocumentImportJobView.as_view(), name="document-import-job-api"
    ),
    *router.urls,
]
