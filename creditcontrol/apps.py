from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_row_security(sender, using, **kwargs) -> None:
    from . import rowsecurity, tenancy  # models are loaded only once the registry is ready

    tables, joins = tenancy.tenant_owned_tables()
    rowsecurity.install(tables, joins, using=using)


class CreditControlConfig(AppConfig):
    name = "creditcontrol"
    verbose_name = "Credit control"

    def ready(self):
        # After every migrate (and flush), once every migration has run: the policies on every
        # tenant-owned table of every app, the application role and its grants.
        post_migrate.connect(_install_row_security, sender=self, dispatch_uid="creditcontrol.rowsecurity")
