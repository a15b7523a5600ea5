from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_triggers(sender, using, **kwargs) -> None:
    from .registry import install  # the tracked models are registered once every app is loaded

    install(using=using)


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from . import tracked  # noqa: F401  (the registration lines)

        # After every migrate (and flush), after the core's row-level security: the triggers on every
        # tracked table, and the audit table closed to the application's changes.
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="audit.triggers")
