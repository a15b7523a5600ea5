"""`manage.py import_data --tenant SLUG {customers,entries,applications} FILE [--applications FILE]`: an ERP
file (entries with their applications, as one feed), with progress."""

from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context
from ledger.imports import KINDS, import_feed


class Command(BaseCommand):
    help = "Import a CSV file of customers, ledger entries or applications into a tenant (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="the tenant's slug")
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument(
            "file", help="path of the CSV file (UTF-8, header row; see docs/import-formats.md)"
        )
        parser.add_argument(
            "--applications",
            metavar="FILE",
            help="with entries: their applications, imported in the same transaction (all or nothing)",
        )

    def handle(self, *args, tenant, kind, file, applications, **options):
        try:
            tenant_obj = Tenant.objects.get(slug=tenant)
        except Tenant.DoesNotExist:
            raise CommandError(f"No tenant with slug '{tenant}'.") from None
        verbose = options["verbosity"] > 0

        def progress(state: dict) -> None:
            if verbose:
                total = f"/{state['rows_total']:,}" if state["rows_total"] else ""
                self.stdout.write(
                    f"\r{state['percent']:3d}%  {state['phase']:<28} {state['rows_done']:,}{total} rows",
                    ending="",
                )
                self.stdout.flush()

        if applications and kind != "entries":
            raise CommandError("--applications goes with a file of ledger entries only.")
        paths = {kind: file, **({"applications": applications} if applications else {})}
        with ExitStack() as files:
            sources = {}
            for name, path in paths.items():
                try:
                    sources[name] = files.enter_context(open(path, "rb"))  # noqa: SIM115
                except OSError as error:
                    raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
            with tenant_context(tenant_obj):
                result = import_feed(sources, progress=progress)
        if verbose:
            self.stdout.write("")
        if not result.ok:
            for error in result.errors:
                column = f", column {error['column']}" if error["column"] else ""
                where = f"{error['file']} " if "file" in error else ""
                self.stderr.write(f"{where}row {error['row']}{column}: {error['message']}")
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(f"{result.message} ({result.seconds:.1f} s)"))
