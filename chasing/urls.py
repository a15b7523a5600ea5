"""Pages of chasing (mounted under /t/<tenant slug>/): Setup > Chasing, the runs, a run, a reminder."""

from django.urls import path

from . import views

urlpatterns = [
    path("setup/chasing/", views.SetupView.as_view(), name="chasing-setup"),
    path("setup/chasing/groups/<int:pk>/", views.GroupChasingView.as_view(), name="chasing-group"),
    path("setup/chasing/policies/new/", views.PolicyView.as_view(), name="chasing-policy-new"),
    path("setup/chasing/policies/<int:pk>/", views.PolicyView.as_view(), name="chasing-policy"),
    path(
        "setup/chasing/policies/<int:pk>/levels/",
        views.LevelSaveView.as_view(adding=True),
        name="chasing-level-new",
    ),
    path("setup/chasing/levels/<int:pk>/", views.LevelSaveView.as_view(), name="chasing-level"),
    path(
        "setup/chasing/levels/<int:pk>/delete/", views.LevelDeleteView.as_view(), name="chasing-level-delete"
    ),
    path("chasing/", views.RunListView.as_view(), name="chasing-runs"),
    path("chasing/start/", views.RunStartView.as_view(), name="chasing-run-start"),
    path("chasing/runs/<int:pk>/", views.RunView.as_view(), name="chasing-run"),
    path("chasing/runs/<int:pk>/review/", views.RunReviewView.as_view(), name="chasing-run-review"),
    path("chasing/runs/<int:pk>/close/", views.RunCloseView.as_view(), name="chasing-close-run"),
    path("chasing/reminders/<int:pk>/", views.ReminderView.as_view(), name="chasing-reminder"),
    path("chasing/reminders/<int:pk>/edit/", views.ReminderEditView.as_view(), name="chasing-reminder-edit"),
]
