"""`flush` as the tables' owner: emptying every tenant's tables is maintenance, not the application's."""

from django.core.management.commands.flush import Command as FlushCommand

from creditcontrol.rowsecurity import owner_connection


class Command(FlushCommand):
    def handle(self, **options):
        with owner_connection(options["database"]):
            return super().handle(**options)
