from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"

    def ready(self):
        from creditcontrol.changes import subscribe
        from creditcontrol.setup import tenant_initialiser

        from .services import entries_on_change, status_codes_seed_defaults

        subscribe(entries_on_change)
        tenant_initialiser(status_codes_seed_defaults)
