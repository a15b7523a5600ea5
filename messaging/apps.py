from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        from creditcontrol.setup import tenant_initialiser
        from creditcontrol.timeline import timeline_note_provider

        from .selectors import timeline_notes
        from .services import templates_seed_defaults

        tenant_initialiser(templates_seed_defaults)
        timeline_note_provider(timeline_notes)
