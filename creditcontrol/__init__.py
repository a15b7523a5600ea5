"""Credit control: the project package (settings, Celery app, URLs, tenancy)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
