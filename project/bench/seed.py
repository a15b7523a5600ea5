"""Benchmark of the demo-data generator: a fresh tenant of the given size, timed end to end."""

import time

from django.db import connection, transaction

from creditcontrol.models import Tenant
from project.demo import tenant_seed


def run(stdout, *, customers: int, entries: int) -> None:
    slug = f"bench-seed-{int(time.time())}"
    tenant = Tenant.objects.create(
        slug=slug, name="Seed benchmark", local_currency="GBP", time_zone="Europe/London"
    )
    try:
        started = time.monotonic()
        tenant_seed(tenant, customers=customers, entries=entries, progress=stdout.write)
        elapsed = time.monotonic() - started
        stdout.write(
            f"seed_demo: {customers:,} customers, ~{entries:,} entries in {elapsed:.1f} s "
            f"({entries / elapsed:,.0f} entries/s)"
        )
    finally:
        _drop(tenant)


def _drop(tenant: Tenant) -> None:
    """Remove the benchmark tenant's rows set-based (a cascade through the ORM would load them all)."""
    tables = [
        "ledger_application",
        "ledger_customerbranch",  # kept by triggers on the entries, which replication role switches off
        "ledger_ledgerentry",
        "aging_customerstatistics",
        "customers_contact",
        "customers_creditlimitchange",
        "customers_customer_linked_customers",
        "customers_customer",
        "customers_customergroup",
        "customers_branch",
        "customers_paymentterms",
        "aging_agingband",
        "aging_agingsetup",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        # The whole tenant goes: skip the per-row foreign-key checks (10,000,000 entries would take minutes).
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in tables:
            if table == "customers_customer_linked_customers":
                cursor.execute(
                    f"DELETE FROM {table} WHERE from_customer_id IN "  # noqa: S608
                    "(SELECT id FROM customers_customer WHERE tenant_id = %s)",
                    [tenant.pk],
                )
            elif table == "customers_customergroup":
                cursor.execute(
                    "UPDATE customers_customergroup SET parent_id = NULL WHERE tenant_id = %s", [tenant.pk]
                )
                cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])  # noqa: S608
            else:
                cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s", [tenant.pk])  # noqa: S608
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        tenant.delete()
