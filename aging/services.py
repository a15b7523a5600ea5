"""Writes to the stored credit statistics."""

from collections.abc import Iterable

from django.db import connection

from creditcontrol.tenancy import current_tenant


def statistics_mark_stale(*, customer_ids: Iterable[int]) -> None:
    """Record that these customers' ledgers (or credit data) changed: their figures are now stale.

    Runs inside the caller's transaction, so the mark commits or rolls back with the change itself.
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO aging_customerstatistics AS s (customer_id, tenant_id, ledger_version, calculated_version,
                balance_lcy, overdue_balance_lcy, not_due_lcy, band_1_lcy, band_2_lcy, band_3_lcy, band_4_lcy,
                band_5_lcy, band_6_lcy, band_7_lcy, band_8_lcy, band_9_lcy, band_10_lcy, open_invoices_count,
                is_over_credit_limit, is_overdue, is_blocked, balance_status, todo_count, overdue_todo_count,
                held_sales_documents, held_service_documents)
            SELECT c.id, c.tenant_id, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   false, false, false, 'zero', 0, 0, 0, 0
              FROM customers_customer c WHERE c.tenant_id = %s AND c.id = ANY(%s)
            ON CONFLICT (customer_id) DO UPDATE SET ledger_version = s.ledger_version + 1
            """,
            [current_tenant().pk, ids],
        )
