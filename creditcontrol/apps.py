from django.apps import AppConfig


class CreditControlConfig(AppConfig):
    name = "creditcontrol"
    verbose_name = "Credit control"
