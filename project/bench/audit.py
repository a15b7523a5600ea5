"""Audit benchmark: what recording every change costs the big imports, auditing on against auditing off.

    run(stdout, customers=200_000, entries=1_000_000)   # from `make bench` (--only audit)

In a tenant of its own ("bench-audit"), each round times, with the audit triggers switched off and then
on (`audit.registry.set_enabled`, the owner's `ALTER TABLE ... DISABLE TRIGGER`, so both runs do the same
work but the log's):

- a customer import of `customers` new customers (a row each in the log: the created customer), then the
  same file with every credit limit changed (a row each: the limit's old and new value);
- the feed of `entries` ledger entries and their applications (`project.bench.imports`), into an emptied
  ledger: entries are audited for a status code change only, which this feed does not make, so the
  triggers' `WHEN` condition is all it pays.

The target (issue 16): no import more than 10% slower with auditing on. The machine may be shared: the
rounds alternate off and on, and the best of each is compared. The log's rows of the bench tenant are
removed afterwards (the owner switches the refusing trigger off for that, as a retention job would).
"""

import os
import tempfile

from django.db import connection, transaction

from audit.models import AuditChange
from audit.registry import set_enabled
from creditcontrol.models import Tenant
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from ledger.imports import import_csv, import_feed

from .imports import _empty_ledger, _write_feed
from .imports import _write_customers as _write_feed_customers

BENCH_SLUG = "bench-audit"
TARGET_RATIO = 1.10


def _write_customers(path: str, customers: int, *, limit_step: int) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("code,name,customer_type,credit_limit,country,tags\n")
        for i in range(1, customers + 1):
            out.write(f"A{i:07d},Audit bench customer {i},Business,{(i % 7 + limit_step) * 5000},GB,bench\n")


def _switch(enabled: bool) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        set_enabled(cursor, enabled)


def _clean(tenant) -> None:
    """Remove the bench tenant's customers, entries and log rows, the triggers off (the owner's work)."""
    _switch(False)
    _empty_ledger(tenant)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM customers_creditlimitchange WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM aging_customerstatistics WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("DELETE FROM customers_customer WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("ALTER TABLE audit_change DISABLE TRIGGER audit_change_immutable")
        cursor.execute("DELETE FROM audit_change WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("ALTER TABLE audit_change ENABLE TRIGGER audit_change_immutable")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE audit_change")


def _customers_round(paths: tuple[str, str]) -> tuple[float, float, int]:
    created_path, changed_path = paths
    with app_connection():
        with open(created_path, "rb") as source:
            created = import_csv(kind="customers", source=source)
        assert created.ok, created.errors[:5]
        with open(changed_path, "rb") as source:
            changed = import_csv(kind="customers", source=source)
        assert changed.ok and changed.updated == created.created, changed.message
        logged = AuditChange.objects.count()
    return created.seconds, changed.seconds, logged


def _feed_round(paths: tuple[str, str]) -> tuple[float, int]:
    entries_path, applications_path = paths
    with app_connection():
        with open(entries_path, "rb") as entries_file, open(applications_path, "rb") as applications_file:
            result = import_feed({"entries": entries_file, "applications": applications_file})
        assert result.ok, result.errors[:5]
        logged = AuditChange.objects.filter(entity="ledger_ledgerentry").count()
    return result.seconds, logged


def run(stdout, *, customers: int = 200_000, entries: int = 1_000_000, rounds: int = 1) -> dict:
    def say(message: str) -> None:
        stdout.write(message if hasattr(stdout, "style_func") else message + "\n")
        stdout.flush()

    tenant, _ = Tenant.objects.get_or_create(
        slug=BENCH_SLUG,
        defaults={"name": "Audit benchmark", "local_currency": "GBP", "time_zone": "Europe/London"},
    )
    best: dict[tuple[str, bool], float] = {}
    with tempfile.TemporaryDirectory() as tmp, tenant_context(tenant):
        created_path, changed_path = os.path.join(tmp, "created.csv"), os.path.join(tmp, "changed.csv")
        _write_customers(created_path, customers, limit_step=0)
        _write_customers(changed_path, customers, limit_step=1)
        entries_path, applications_path = os.path.join(tmp, "entries.csv"), os.path.join(tmp, "apps.csv")
        feed_customers = min(customers, 20_000)
        if entries:
            _write_feed(entries_path, applications_path, entries, feed_customers)
        for number in range(1, rounds + 1):
            for enabled in (False, True) if number % 2 else (True, False):  # alternate: no order favoured
                label = "on" if enabled else "off"
                _clean(tenant)
                _switch(enabled)
                try:
                    create, change, logged = _customers_round((created_path, changed_path))
                    best[("customers created", enabled)] = min(
                        best.get(("customers created", enabled), 1e9), create
                    )
                    best[("customers changed", enabled)] = min(
                        best.get(("customers changed", enabled), 1e9), change
                    )
                    say(
                        f"audit {label} (round {number}): {customers:,} customers created in {create:.1f} s, "
                        f"their credit limits changed in {change:.1f} s; {logged:,} rows in the log"
                    )
                    if entries:
                        # the feed names customers B000001...: the import bench's customers
                        feed_customers_path = os.path.join(tmp, "feed-customers.csv")
                        _write_feed_customers(feed_customers_path, feed_customers)
                        with app_connection(), open(feed_customers_path, "rb") as source:
                            assert import_csv(kind="customers", source=source).ok
                        _empty_ledger(tenant)
                        feed, logged = _feed_round((entries_path, applications_path))
                        best[("entry feed", enabled)] = min(best.get(("entry feed", enabled), 1e9), feed)
                        say(
                            f"audit {label} (round {number}): the feed of {entries:,} entries and their "
                            f"applications in {feed:.1f} s; {logged:,} entry rows in the log"
                        )
                finally:
                    _switch(True)
        _clean(tenant)
        _switch(True)
    figures = {}
    for what in ("customers created", "customers changed", "entry feed"):
        if (what, True) not in best:
            continue
        off, on = best[(what, False)], best[(what, True)]
        figures[what] = {"off": off, "on": on, "ratio": on / off}
        verdict = "met" if on / off <= TARGET_RATIO else "MISSED"
        say(
            f"audit: {what}: {off:.1f} s off, {on:.1f} s on = {on / off:.2f}x "
            f"(target <= {TARGET_RATIO:.2f}x: {verdict})"
        )
    return figures
