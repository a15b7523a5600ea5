"""Setup pages of the core (mounted under /t/<tenant slug>/setup/): the index, users and roles, formats."""

from django.urls import path

from . import setup_views

urlpatterns = [
    path("", setup_views.SetupIndexView.as_view(), name="setup"),
    path("users/", setup_views.MemberListView.as_view(), name="setup-users"),
    path("users/<int:pk>/role/", setup_views.MemberRoleView.as_view(), name="setup-user-role"),
    path("users/<int:pk>/remove/", setup_views.MemberRemoveView.as_view(), name="setup-user-remove"),
    path("formats/", setup_views.FormatsView.as_view(), name="setup-formats"),
]
