"""Pages of messaging (mounted under /t/<tenant slug>/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("customers/<int:pk>/statement/", views.StatementView.as_view(), name="customer-statement"),
    path("customers/<int:pk>/statement.pdf", views.StatementPdfView.as_view(), name="customer-statement-pdf"),
    path("customers/<int:pk>/copies/", views.CopiesView.as_view(), name="customer-copies"),
    path("messages/", views.OutboxView.as_view(), name="outbox"),
    path("messages/<int:pk>/", views.MessageView.as_view(), name="message"),
    path("messages/batches/<int:pk>/", views.BatchView.as_view(), name="message-batch"),
    path("documents/<int:pk>/", views.DocumentView.as_view(), name="document"),
    path("setup/templates/", views.TemplateListView.as_view(), name="message-templates"),
    path("setup/templates/new/", views.TemplateEditView.as_view(), name="message-template-new"),
    path("setup/templates/<int:pk>/", views.TemplateEditView.as_view(), name="message-template"),
    path("setup/letterhead/", views.LetterheadView.as_view(), name="letterhead"),
    path("setup/letterhead/signing-secret/", views.SigningSecretView.as_view(), name="signing-secret"),
]
