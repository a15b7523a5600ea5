"""Setup pages of the core (mounted under /t/<tenant slug>/setup/): the index, users and roles, formats,
sent mail."""

from django.urls import path

from . import sent_mail_views, setup_views

urlpatterns = [
    path("", setup_views.SetupIndexView.as_view(), name="setup"),
    path("users/", setup_views.MemberListView.as_view(), name="setup-users"),
    path("users/<int:pk>/role/", setup_views.MemberRoleView.as_view(), name="setup-user-role"),
    path("users/<int:pk>/remove/", setup_views.MemberRemoveView.as_view(), name="setup-user-remove"),
    path("formats/", setup_views.FormatsView.as_view(), name="setup-formats"),
    path("mail/", sent_mail_views.SentMailListView.as_view(), name="setup-sent-mail"),
    path("mail/<str:key>/", sent_mail_views.SentMessageView.as_view(), name="setup-sent-message"),
]
