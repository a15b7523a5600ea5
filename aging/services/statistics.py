"""Writes to the stored credit statistics: staleness marks (the statistics' subscriber to the ledger-change
seam) and the debounced trigger of Recalculate Entries."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from creditcontrol.changes import Change
from creditcontrol.rowsecurity import owner_connection
from creditcontrol.tenancy import current_tenant

from ..versions import statistics_changed

logger = logging.getLogger(__name__)

# A posting schedules Recalculate Entries this many seconds later; postings in between ride along. One
# second keeps a posting's figures on the credit list within about 1.5 s at 50 postings a second over
# 200,000 customers (docs/benchmarks.md), and batches such a stream into one run a second.
RECALCULATE_ENTRIES_DELAY_SECONDS = settings.RECALCULATE_ENTRIES_DELAY_SECONDS
# How long a scheduled trigger suppresses further ones if its task never starts (worker down).
_DEBOUNCE_KEY_TIMEOUT_SECONDS = 120

_NEW_ROWS_SQL = """
    INSERT INTO aging_customerstatistics AS s (customer_id, tenant_id, ledger_version, calculated_version,
        balance_lcy, overdue_balance_lcy, not_due_lcy, band_1_lcy, band_2_lcy, band_3_lcy, band_4_lcy,
        band_5_lcy, band_6_lcy, band_7_lcy, band_8_lcy, band_9_lcy, band_10_lcy, open_invoices_count,
        is_over_credit_limit, is_overdue, is_blocked, balance_status, todo_count, overdue_todo_count,
        held_sales_documents, held_service_documents)
    SELECT c.id, c.tenant_id, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           false, false, false, 'zero', 0, 0, 0, 0
      FROM customers_customer c WHERE c.tenant_id = %s {customers}
"""


def statistics_on_change(change: Change) -> None:
    """The statistics' subscriber (aging/apps.py): the changed customers' figures are now stale.

    Runs inside the publisher's transaction, so the mark commits or rolls back with the change itself;
    once it has committed, Recalculate Entries is scheduled to refresh them shortly. The only place
    that marks customers stale.
    """
    ids = sorted(change.customer_ids)
    if not ids:
        return
    tenant_id = current_tenant().pk
    with connection.cursor() as cursor:
        cursor.execute(
            _NEW_ROWS_SQL.format(customers="AND c.id IN (SELECT unnest(%s::bigint[]))")
            + " ON CONFLICT (customer_id) DO UPDATE SET ledger_version = s.ledger_version + 1",
            [tenant_id, ids],
        )
    statistics_changed(current_tenant())
    transaction.on_commit(lambda: recalculate_entries_soon(tenant_id))


def statistics_mark_all_stale() -> int:
    """Every customer of the tenant is stale (the aging setup changed): the next recalculation redoes them."""
    statistics_rows_ensure()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE aging_customerstatistics SET ledger_version = ledger_version + 1 WHERE tenant_id = %s",
            [current_tenant().pk],
        )
        statistics_changed(current_tenant())
        return cursor.rowcount


def statistics_rows_ensure(*, customer_ids: Iterable[int] | None = None) -> int:
    """Give every customer (or these) a statistics row, stale, so that a recalculation reaches it."""
    tenant_id = current_tenant().pk
    with connection.cursor() as cursor:
        if customer_ids is None:
            # Every statistics row belongs to one of the tenant's customers, so equal counts mean none is
            # missing: two counts are cheaper than the anti-join (a tenth of a second at 200,000 customers).
            cursor.execute(
                "SELECT (SELECT COUNT(*) FROM customers_customer WHERE tenant_id = %(t)s)"
                " = (SELECT COUNT(*) FROM aging_customerstatistics WHERE tenant_id = %(t)s)",
                {"t": tenant_id},
            )
            if cursor.fetchone()[0]:
                return 0
            # Only the customers without a row (an anti-join), not an upsert attempt for every customer.
            missing = "AND NOT EXISTS (SELECT 1 FROM aging_customerstatistics x WHERE x.customer_id = c.id)"
            cursor.execute(
                _NEW_ROWS_SQL.format(customers=missing) + " ON CONFLICT (customer_id) DO NOTHING", [tenant_id]
            )
        else:
            cursor.execute(
                _NEW_ROWS_SQL.format(customers="AND c.id IN (SELECT unnest(%s::bigint[]))")
                + " ON CONFLICT (customer_id) DO NOTHING",
                [tenant_id, sorted(set(customer_ids))],
            )
        if cursor.rowcount:
            statistics_changed(current_tenant())
        return cursor.rowcount


def _debounce_key(tenant_id: int) -> str:
    return f"aging:recalculate-entries-soon:{tenant_id}"


def recalculate_entries_soon(tenant_id: int) -> bool:
    """Schedule Recalculate Entries for the tenant in a few seconds, unless one is already scheduled.

    Called after postings commit. The task clears the key before it reads which customers are stale,
    so a posting that commits after that read schedules a new run: none is lost. A failure here
    (Redis or broker down) must not fail the posting: the nightly Recalculate All catches up.
    """
    from aging.tasks import recalculate_entries_task

    try:
        if not cache.add(_debounce_key(tenant_id), 1, timeout=_DEBOUNCE_KEY_TIMEOUT_SECONDS):
            return False
        recalculate_entries_task.apply_async(
            kwargs={"tenant_id": tenant_id, "trigger": "posting"}, countdown=RECALCULATE_ENTRIES_DELAY_SECONDS
        )
        return True
    except Exception:  # noqa: BLE001 - see docstring: the posting has committed and must stand
        logger.exception("Could not schedule Recalculate Entries for tenant %s", tenant_id)
        return False


def recalculate_entries_debounce_clear(tenant_id: int) -> None:
    cache.delete(_debounce_key(tenant_id))


def statistics_vacuum() -> None:
    """Vacuum and analyse the statistics table after a Recalculate All has rewritten every row: until
    then each lookup wades through the dead row versions (a 1,000-customer Recalculate Entries took
    0.9 s instead of 0.2 s at 200,000 customers). Housekeeping outside any transaction; every tenant's
    rows share the table, so it is not a tenant-scoped write, and PostgreSQL reserves it to the table's
    owner (a deployment that gives the application no owner credentials leaves it to autovacuum)."""
    if connection.in_atomic_block:
        return  # VACUUM cannot run in a transaction (tests); autovacuum catches up
    with owner_connection(), connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) aging_customerstatistics")
