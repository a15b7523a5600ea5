"""manage.py recalculate --tenant SLUG [--all] [--customers ID ...]: refresh credit statistics, with progress."""

from django.core.management.base import BaseCommand, CommandError

from aging import services
from creditcontrol.errors import DomainError
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context


class Command(BaseCommand):
    help = (
        "Recalculate Entries (customers whose ledger changed since their last calculation, or the ones "
        "given) or, with --all, Recalculate All for one tenant. Runs here, not on a worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="Tenant slug")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--all", action="store_true", help="Recalculate All: every customer, one pass")
        scope.add_argument(
            "--customers", nargs="+", type=int, metavar="ID", help="Recalculate these customers"
        )

    def handle(self, *args, tenant, all, customers, **options):
        try:
            obj = Tenant.objects.get(slug=tenant)
        except Tenant.DoesNotExist:
            raise CommandError(f"No tenant '{tenant}'.") from None
        progress = lambda message: self.stdout.write(f"{obj.slug}: {message}")  # noqa: E731
        with tenant_context(obj):
            try:
                if all:
                    run = services.recalculate_all(trigger="command", progress=progress)
                else:
                    run = services.recalculate_entries(
                        trigger="command", customer_ids=customers, progress=progress
                    )
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        if run is None:
            self.stdout.write(
                self.style.SUCCESS(f"{obj.slug}: nothing to recalculate: no customer is stale.")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{obj.slug}: {run.get_kind_display()} run {run.pk} {run.status}: {run.customers_count:,} customers, "
                f"{run.entries_count:,} entries in {run.duration.total_seconds():.2f} s"
            )
        )
