"""Reads of the customer ledger: entry lists with totals, and balances as of any date."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum

from creditcontrol.tenancy import current_tenant

from . import arithmetic
from .models import LedgerEntry

# Remaining amount of each entry of a customer as of %(as_of)s (ledger.arithmetic: the balance as of a date).
_REMAINING_AS_OF = f"""
    SELECT e.id, e.amount - t.taken AS remaining,
           {arithmetic.remaining_lcy_from_taken_sql("e.amount", "e.amount_lcy", "t.taken")} AS remaining_lcy
      FROM ledger_ledgerentry e
     CROSS JOIN LATERAL (SELECT {arithmetic.taken_as_of_sql("e", "%(as_of)s")} AS taken) t
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
    sql = f"""
        SELECT d.as_of, COALESCE(SUM({arithmetic.remaining_lcy_from_taken_sql("e.amount", "e.amount_lcy", "t.taken")}), 0)
          FROM unnest(%(dates)s::date[]) AS d(as_of)
          LEFT JOIN ledger_ledgerentry e
            ON e.tenant_id = %(tenant)s AND e.customer_id = %(customer)s AND e.posting_date <= d.as_of
          LEFT JOIN LATERAL (SELECT {arithmetic.taken_as_of_sql("e", "d.as_of")} AS taken) t ON true
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
