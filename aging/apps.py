from django.apps import AppConfig


class AgingConfig(AppConfig):
    name = "aging"
