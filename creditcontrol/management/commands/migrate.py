"""`migrate` as the tables' owner (DATABASE_URL's role), whoever the application connects as."""

from django.core.management.commands.migrate import Command as MigrateCommand

from creditcontrol.rowsecurity import owner_connection


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with owner_connection(options["database"]):
            return super().handle(*args, **options)
