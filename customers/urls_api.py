"""API routes of the customers app."""

from django.urls import path  # noqa: F401

urlpatterns = []
