"""manage.py seed_demo [--customers N] [--entries N]: demo tenants, users and ledgers (idempotent)."""

import time

from django.core.management.base import BaseCommand

from aging.services import recalculate_all
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context
from project.demo import (
    DEMO_PASSWORD,
    DEMO_TENANTS,
    DEMO_USERS,
    demo_calls,
    demo_users_ensure,
    tenant_seed,
)


class Command(BaseCommand):
    help = "Create the demo tenants, one user per role and realistic ledgers. Existing demo data is kept."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300, help="Customers in the first tenant")
        parser.add_argument(
            "--entries", type=int, default=6000, help="About this many entries in the first tenant"
        )
        parser.add_argument("--tenant", help="Seed only this demo tenant slug")
        parser.add_argument("--no-recalculate", action="store_true", help="Leave the statistics stale")

    def handle(self, *args, customers, entries, tenant, no_recalculate, **options):
        started = time.monotonic()
        tenants = []
        for spec in DEMO_TENANTS:
            fields = {k: v for k, v in spec.items() if k not in ("slug", "foreign")}
            obj, _ = Tenant.objects.get_or_create(slug=spec["slug"], defaults=fields)
            tenants.append(obj)
        demo_users_ensure(tenants)
        for index, obj in enumerate(tenants):
            if tenant and obj.slug != tenant:
                continue
            scale = 1 if index == 0 else 0.5  # the second tenant is half the size
            result = tenant_seed(
                obj,
                customers=max(1, int(customers * scale)),
                entries=max(1, int(entries * scale)),
                progress=self.stdout.write,
            )
            if not result["skipped"] and not no_recalculate:
                self._recalculate(obj)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready in {time.monotonic() - started:.1f} s. Sign in as "
                + ", ".join(DEMO_USERS)
                + f" with password '{DEMO_PASSWORD}'."
            )
        )

    def _recalculate(self, tenant):
        with tenant_context(tenant):
            recalculate_all(
                trigger="command", progress=lambda message: self.stdout.write(f"{tenant.slug}: {message}")
            )
        calls = demo_calls(tenant)
        if calls:
            with tenant_context(tenant):  # the calls' to-dos count in the statistics
                recalculate_all(trigger="command")
            self.stdout.write(f"{tenant.slug}: {calls} recent calls with promises, queries and follow-ups")
