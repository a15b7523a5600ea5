"""Pages of the interactions app (mounted under /t/<tenant slug>/interactions/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.InteractionListView.as_view(), name="interactions"),
    path("new/", views.InteractionCreateView.as_view(), name="interaction-create"),
    path("<int:pk>/", views.InteractionDetailView.as_view(), name="interaction"),
    path("<int:pk>/lines/", views.InteractionLinesView.as_view(), name="interaction-lines"),
    path("<int:pk>/update-entries/", views.UpdateEntriesView.as_view(), name="interaction-entries-update"),
    path("entry-fields/", views.EntryFieldsView.as_view(), name="interaction-entry-fields"),
    path("todos/", views.ToDoListView.as_view(), name="todos"),
    path("todos/new/", views.ToDoCreateView.as_view(), name="todo-new"),
    path("todos/<int:pk>/close/", views.ToDoCloseView.as_view(), name="todo-done"),
    path("status-codes/", views.StatusCodeListView.as_view(), name="status-codes"),
    path("status-codes/<int:pk>/", views.StatusCodeListView.as_view(), name="status-code-edit"),
    path(
        "status-codes/<int:pk>/active/",
        views.StatusCodeListView.as_view(action="active"),
        name="status-code-active",
    ),
    path(
        "status-codes/<int:pk>/delete/",
        views.StatusCodeListView.as_view(action="delete"),
        name="status-code-delete",
    ),
    path("promises/", views.PromiseListView.as_view(), name="promises"),
    path("customers/<int:pk>/timeline/", views.CustomerTimelineView.as_view(), name="customer-timeline"),
    path(
        "customers/<int:pk>/timeline.pdf",
        views.CustomerTimelinePdfView.as_view(),
        name="customer-timeline-pdf",
    ),
]
