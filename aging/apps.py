from django.apps import AppConfig


class AgingConfig(AppConfig):
    name = "aging"

    def ready(self):
        from creditcontrol.asof import as_of_provider
        from creditcontrol.changes import subscribe
        from creditcontrol.setup import tenant_initialiser

        from .services import aging_setup_seed_defaults, as_of_date, statistics_on_change

        subscribe(statistics_on_change)
        tenant_initialiser(aging_setup_seed_defaults)
        as_of_provider(as_of_date)  # the work date, for the apps below this one
