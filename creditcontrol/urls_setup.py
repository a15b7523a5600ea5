"""Setup pages of the core (mounted under /t/<tenant slug>/setup/): the index. Users and roles are routed
by the customers app (customers/urls.py), which knows the customers a member holds."""

from django.urls import path

from . import setup_views

urlpatterns = [
    path("", setup_views.SetupIndexView.as_view(), name="setup"),
]
