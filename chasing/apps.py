from django.apps import AppConfig


class ChasingConfig(AppConfig):
    name = "chasing"

    def ready(self):
        from creditcontrol.setup import tenant_initialiser

        from .services import chasing_seed_defaults

        tenant_initialiser(chasing_seed_defaults)
