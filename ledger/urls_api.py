"""API routes of the ledger app."""

from django.urls import path  # noqa: F401

urlpatterns = []
