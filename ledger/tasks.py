"""Celery tasks of the ledger app (autodiscovery looks for `<app>.tasks`)."""

from ledger.imports.tasks import import_file  # noqa: F401
