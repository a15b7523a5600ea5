from django.apps import AppConfig


class AgingConfig(AppConfig):
    name = "aging"

    def ready(self):
        from creditcontrol.changes import subscribe
        from creditcontrol.setup import tenant_initialiser

        from .services import aging_setup_seed_defaults, statistics_on_change

        subscribe(statistics_on_change)
        tenant_initialiser(aging_setup_seed_defaults)
