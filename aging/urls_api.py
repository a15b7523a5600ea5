"""API routes of the aging app."""

from django.urls import path  # noqa: F401

urlpatterns = []
