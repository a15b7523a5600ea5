"""Benchmark of the recalculations on a generated tenant (slug "bench"), called by `manage.py bench`.

Prints the time of Recalculate All, of a bare `GROUP BY customer` aggregate scan of the same ledger
table, their ratio (target <= 1.5), and the time of Recalculate Entries for 1,000 changed customers
(target < 0.5 s). The bench tenant is seeded once per size by creditcontrol.demo.tenant_seed and
reused; a bench tenant of another size is dropped first.
"""

import datetime
import time
import uuid

from django.core.cache import cache
from django.db import connection, transaction

from aging import services
from aging.services.statistics import _debounce_key
from creditcontrol import changes
from creditcontrol.models import Tenant
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import LedgerEntry
from project.demo import tenant_seed

CHANGED_CUSTOMERS = 1000
RATIO_TARGET = 1.5
ENTRIES_TARGET_SECONDS = 0.5

BARE_SCAN_SQL = """
    SELECT customer_id, COUNT(*), SUM(remaining_amount_lcy)
      FROM ledger_ledgerentry WHERE tenant_id = %s GROUP BY customer_id
"""


def _timed(work, repeat: int = 2, before=None) -> float:
    """Best of `repeat` runs (the first may pay for a cold cache); `before` runs untimed before each."""
    best = None
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best


def _bench_tenant_drop(tenant: Tenant, stdout) -> None:
    """Delete every row of the bench tenant, table by table (the ORM would load them all to cascade)."""
    stdout.write("bench: dropping the bench tenant's data (it was seeded at another size)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND column_name = 'tenant_id'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET session_replication_role = replica")  # skip FK checks: the whole tenant goes
        try:
            for table in tables:
                cursor.execute(f'DELETE FROM "{table}" WHERE tenant_id = %s', [tenant.pk])
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def _bench_tenant(customers: int, entries: int, stdout) -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(
        slug="bench", defaults={"name": "Bench Ltd", "local_currency": "GBP", "time_zone": "Europe/London"}
    )
    with tenant_context(tenant):
        have = Customer.objects.count()
    if have and have != customers:
        _bench_tenant_drop(tenant, stdout)
    started = time.perf_counter()
    result = tenant_seed(tenant, customers=customers, entries=entries, progress=stdout.write)
    if not result["skipped"]:
        stdout.write(f"bench: seeded in {time.perf_counter() - started:.1f} s; vacuuming")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE ledger_ledgerentry")
            cursor.execute("VACUUM ANALYZE ledger_application")
            cursor.execute("VACUUM ANALYZE aging_customerstatistics")
            cursor.execute("VACUUM ANALYZE ledger_customerbranch")  # the branch context's customers
    return tenant


def _forget_planner_statistics(cursor) -> bool:
    """Make the ledger's tables look just loaded: no planner statistics and no visibility map, as before
    their first ANALYZE and VACUUM. Needs a superuser (it edits the catalogue); False when not one."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
    for table in _COLD_TABLES:
        cursor.execute("SELECT pg_truncate_visibility_map(%s::regclass)", [table])
    cursor.execute("DELETE FROM pg_statistic WHERE starelid = ANY(%s::regclass[])", [list(_COLD_TABLES)])
    cursor.execute(
        "UPDATE pg_class SET reltuples = -1, relpages = 0, relallvisible = 0 WHERE oid = ANY(%s::regclass[]) "
        "OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%s::regclass[]))",
        [list(_COLD_TABLES), list(_COLD_TABLES)],
    )
    return True


_COLD_TABLES = ("ledger_ledgerentry", "ledger_application", "customers_customer", "aging_customerstatistics")


def _cold_recalculate_all(tenant, stdout) -> float | None:
    """Recalculate All on tables that look just loaded (`_forget_planner_statistics`), then ANALYZE and
    VACUUM them again (untimed) for the warm runs."""
    with connection.cursor() as cursor:
        if not _forget_planner_statistics(cursor):
            stdout.write(
                "bench: cold Recalculate All skipped (forgetting planner statistics needs a superuser)"
            )
            return None
    with app_connection(), tenant_context(tenant):
        started = time.perf_counter()
        services.recalculate_all(trigger="bench")
        cold = time.perf_counter() - started
    with connection.cursor() as cursor:
        for table in _COLD_TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    stdout.write(f"bench: Recalculate All, cold (no planner statistics, no visibility map): {cold:.2f} s")
    return cold


def run(stdout, *, customers: int, entries: int) -> dict:
    tenant = _bench_tenant(customers, entries, stdout)
    cold = _cold_recalculate_all(tenant, stdout)
    with app_connection(), tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM ledger_ledgerentry WHERE tenant_id = %s", [tenant.pk])
        entry_count = cursor.fetchone()[0]
        stdout.write(
            f"bench: tenant 'bench' has {Customer.objects.count():,} customers, {entry_count:,} entries"
        )
        # Nothing else may recalculate the bench tenant while it is measured (postings below mark stale).
        cache.set(_debounce_key(tenant.pk), 1, timeout=3600)
        try:
            bare = _timed(lambda: cursor.execute(BARE_SCAN_SQL, [tenant.pk]) or cursor.fetchall())
            stdout.write(f"bench: bare GROUP BY customer scan: {bare:.2f} s")
            # Each run starts where the Celery task leaves the table, vacuumed after its run (untimed).
            everything = _timed(
                lambda: services.recalculate_all(trigger="bench"), before=services.statistics_vacuum
            )
            stdout.write(f"bench: Recalculate All: {everything:.2f} s")
            started = time.perf_counter()
            services.statistics_vacuum()
            stdout.write(
                f"bench: vacuum of the statistics table after it (as the Celery task does): "
                f"{time.perf_counter() - started:.2f} s"
            )
            with connection.cursor() as fresh:  # the vacuum ran as the owner, on a connection of its own
                changed = _changed_customers(fresh, tenant)
            entries_time = min(_recalculate_changed(tenant, changed) for _ in range(3))
        finally:
            cache.delete(_debounce_key(tenant.pk))
    ratio = everything / bare
    figures = {
        "customers": customers,
        "entries": entry_count,
        "recalculate_all_cold_seconds": None if cold is None else round(cold, 3),
        "recalculate_all_seconds": round(everything, 3),
        "bare_scan_seconds": round(bare, 3),
        "ratio": round(ratio, 2),
        "recalculate_entries_1000_seconds": round(entries_time, 3),
    }
    stdout.write(
        f"Recalculate All: {everything:.2f} s | bare GROUP BY scan: {bare:.2f} s | ratio {ratio:.2f} "
        f"(target <= {RATIO_TARGET}: {'met' if ratio <= RATIO_TARGET else 'MISSED'})"
    )
    if cold is not None:
        stdout.write(
            f"Recalculate All, cold: {cold:.2f} s | ratio to the bare scan {cold / bare:.2f} "
            f"(target <= {RATIO_TARGET}: {'met' if cold / bare <= RATIO_TARGET else 'MISSED'})"
        )
    stdout.write(
        f"Recalculate Entries, {len(changed):,} changed customers: {entries_time:.3f} s "
        f"(target < {ENTRIES_TARGET_SECONDS} s: {'met' if entries_time < ENTRIES_TARGET_SECONDS else 'MISSED'})"
    )
    return figures


def _changed_customers(cursor, tenant) -> list[int]:
    cursor.execute(
        "SELECT id FROM customers_customer WHERE tenant_id = %s ORDER BY hashint4(id::int) LIMIT %s",
        [tenant.pk, CHANGED_CUSTOMERS],
    )
    return [row[0] for row in cursor.fetchall()]


def _post_invoices(tenant, ids: list[int], today: datetime.date) -> None:
    """One invoice for each customer of `ids`, in bulk as an import writes, published as one change."""
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            tenant=tenant,
            external_id=f"BENCH-{uuid.uuid4()}",
            customer_id=customer_id,
            document_type="invoice",
            document_no="BENCH",
            posting_date=today,
            document_date=today,
            due_date=today + datetime.timedelta(30),
            description="Bench posting",
            currency_code=tenant.local_currency,
            amount=10,
            amount_lcy=10,
            remaining_amount=10,
            remaining_amount_lcy=10,
            is_open=True,
        )
        for customer_id in ids
    )
    changes.publish(source="bench", customer_ids=ids)


def _recalculate_changed(tenant, ids: list[int]) -> float:
    """Post one invoice to each of `ids` (in bulk, as an import would) and mark them stale; return the
    time of the Recalculate Entries that follows (only that is timed)."""
    today = tenant.today()
    with transaction.atomic():
        _post_invoices(tenant, ids, today)
    started = time.perf_counter()
    run = services.recalculate_entries(trigger="bench")
    elapsed = time.perf_counter() - started
    assert run is not None and run.customers_count == len(ids), run
    return elapsed
