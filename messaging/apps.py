from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        from creditcontrol.setup import tenant_initialiser

        from .services import templates_seed_defaults

        tenant_initialiser(templates_seed_defaults)
