"""Reads of the customer ledger: entry lists with totals, and balances as of any date."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from creditcontrol.tenancy import current_tenant

from .models import LedgerEntry

# Remaining amount of each entry as of %(as_of)s: its amount less the applications posted on or
# before that date and not undone by then. The LCY twin uses the entry's own posting rate.
_REMAINING_AS_OF = """
    SELECT e.id, e.customer_id, e.posting_date, e.due_date,
           e.amount - COALESCE(r.received, 0) + COALESCE(m.made, 0) AS remaining,
           CASE WHEN e.amount = 0 THEN 0
                ELSE ROUND((e.amount - COALESCE(r.received, 0) + COALESCE(m.made, 0)) * e.amount_lcy / e.amount, 2)
           END AS remaining_lcy
      FROM ledger_ledgerentry e
      LEFT JOIN LATERAL (
            SELECT SUM(a.amount) AS received FROM ledger_application a
             WHERE a.applied_entry_id = e.id AND a.posting_date <= %(as_of)s
               AND (a.undone_on IS NULL OR a.undone_on > %(as_of)s)) r ON true
      LEFT JOIN LATERAL (
            SELECT SUM(a.amount) AS made FROM ledger_application a
             WHERE a.applying_entry_id = e.id AND a.posting_date <= %(as_of)s
               AND (a.undone_on IS NULL OR a.undone_on > %(as_of)s)) m ON true
     WHERE e.tenant_id = %(tenant)s AND e.customer_id = %(customer)s AND e.posting_date <= %(as_of)s
"""


def customer_balance_as_of(*, customer_id: int, as_of: datetime.date) -> Decimal:
    """Balance (LCY) of a customer as of the end of `as_of`: Σ remaining (LCY) of entries open then."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(remaining_lcy), 0) FROM ({_REMAINING_AS_OF}) x",
            {"as_of": as_of, "tenant": current_tenant().pk, "customer": customer_id},
        )
        return Decimal(cursor.fetchone()[0]).quantize(Decimal("0.01"))


def entry_remaining_as_of(*, customer_id: int, as_of: datetime.date) -> dict[int, tuple[Decimal, Decimal]]:
    """{entry id: (remaining amount, remaining amount (LCY))} as of a date, for the entries posted by then."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, remaining, remaining_lcy FROM ({_REMAINING_AS_OF}) x ORDER BY id",
            {"as_of": as_of, "tenant": current_tenant().pk, "customer": customer_id},
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def customer_balance_series(
    *, customer_id: int, dates: list[datetime.date]
) -> list[tuple[datetime.date, Decimal]]:
    """Balance (LCY) at the end of each date given, in one query (for the credit review chart)."""
    if not dates:
        return []
    sql = """
        SELECT d.as_of, COALESCE(SUM(
                 CASE WHEN e.amount = 0 THEN 0 ELSE ROUND((e.amount - COALESCE(r.received, 0) + COALESCE(m.made, 0))
                      * e.amount_lcy / e.amount, 2) END), 0)
          FROM unnest(%(dates)s::date[]) AS d(as_of)
          LEFT JOIN ledger_ledgerentry e
            ON e.tenant_id = %(tenant)s AND e.customer_id = %(customer)s AND e.posting_date <= d.as_of
          LEFT JOIN LATERAL (
                SELECT SUM(a.amount) AS received FROM ledger_application a
                 WHERE a.applied_entry_id = e.id AND a.posting_date <= d.as_of
                   AND (a.undone_on IS NULL OR a.undone_on > d.as_of)) r ON true
          LEFT JOIN LATERAL (
                SELECT SUM(a.amount) AS made FROM ledger_application a
                 WHERE a.applying_entry_id = e.id AND a.posting_date <= d.as_of
                   AND (a.undone_on IS NULL OR a.undone_on > d.as_of)) m ON true
         GROUP BY d.as_of ORDER BY d.as_of
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"dates": dates, "tenant": current_tenant().pk, "customer": customer_id})
        return [(row[0], Decimal(row[1]).quantize(Decimal("0.01"))) for row in cursor.fetchall()]


def ledger_entry_totals(queryset) -> dict:
    return queryset.aggregate(
        count=Count("id"),
        amount_lcy=Sum("amount_lcy"),
        remaining_amount_lcy=Sum("remaining_amount_lcy"),
    )


def ledger_entries(*, customer_id: int | None = None):
    qs = LedgerEntry.objects.select_related("customer", "branch")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs
