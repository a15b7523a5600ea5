from django.urls import path

from . import api

urlpatterns = [
    path("audit/", api.AuditChangeListView.as_view(), name="audit-change-list"),
]
