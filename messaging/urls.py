"""Pages of messaging (mounted under /t/<tenant slug>/)."""

from django.urls import path

from . import views, views_import

urlpatterns = [
    path("customers/<int:pk>/statement/", views.StatementView.as_view(), name="customer-statement"),
    path("customers/<int:pk>/statement.pdf", views.StatementPdfView.as_view(), name="customer-statement-pdf"),
    path("customers/<int:pk>/copies/", views.CopiesView.as_view(), name="customer-copies"),
    path("messages/", views.OutboxView.as_view(), name="outbox"),
    path("messages/<int:pk>/", views.MessageView.as_view(), name="message"),
    path("messages/print-runs/", views.PrintRunListView.as_view(), name="print-runs"),
    path("messages/print-runs/<int:pk>/", views.PrintRunView.as_view(), name="print-run"),
    path("messages/print-runs/<int:pk>.pdf", views.PrintRunPdfView.as_view(), name="print-run-pdf"),
    path("messages/batches/<int:pk>/", views.BatchView.as_view(), name="message-batch"),
    path("documents/<int:pk>/", views.DocumentView.as_view(), name="document"),
    path("documents/import/", views_import.DocumentImportView.as_view(), name="document-import"),
    path(
        "documents/import/<uuid:job_id>/",
        views_import.DocumentImportJobView.as_view(),
        name="document-import-job",
    ),
    path(
        "documents/import/<uuid:job_id>/progress/",
        views_import.DocumentImportProgressView.as_view(),
        name="document-import-progress",
    ),
    path("setup/templates/", views.TemplateListView.as_view(), name="message-templates"),
    path("setup/templates/new/", views.TemplateEditView.as_view(), name="message-template-new"),
    path("setup/templates/<int:pk>/", views.TemplateEditView.as_view(), name="message-template"),
    path("setup/letterhead/", views.LetterheadView.as_view(), name="letterhead"),
    path("setup/letterhead/signing-secret/", views.SigningSecretView.as_view(), name="signing-secret"),
]
