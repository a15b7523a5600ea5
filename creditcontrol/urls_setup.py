"""Setup pages of the core (mounted under /t/<tenant slug>/setup/): the index, formats, sent mail. Users
and roles are routed by the customers app (customers/urls.py), which knows the customers a member holds."""

from django.urls import path

from . import sent_mail_views, setup_views

urlpatterns = [
    path("", setup_views.SetupIndexView.as_view(), name="setup"),
    path("formats/", setup_views.FormatsView.as_view(), name="setup-formats"),
    path("mail/", sent_mail_views.SentMailListView.as_view(), name="setup-sent-mail"),
    path("mail/<str:key>/", sent_mail_views.SentMessageView.as_view(), name="setup-sent-message"),
]
