"""Reads of the customer ledger: entry lists with totals, balances as of any date, and each entry's
credit-control figures (days overdue, days to pay, days late)."""

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, Sum

from creditcontrol.tenancy import current_tenant

from . import arithmetic
from .models import DEBIT_TYPES, LedgerEntry

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
    # The status code and the user resolving a query are shown on every row: joined, not fetched per row.
    qs = LedgerEntry.objects.select_related("customer", "branch", "status_code", "query_resolution_by")
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs


# --- an entry's credit-control figures -------------------------------------------------------------
# Per entry, the figures the customer averages are made of (aging/figures.py, PRODUCT.md "Credit
# figures"), for what the customer owes (invoices, refunds, finance charge and reminder memos); a payment
# or a credit memo has none. Written once here, each with the condition the filters use beside it: the
# conditions are the same rule solved for the due date, so the (tenant, is_open, due_date) index serves them.


def entry_days_overdue(entry: LedgerEntry, *, as_of: datetime.date) -> int | None:
    """An open entry's days past its due date as of `as_of` (D − due date), 0 while not yet due (an entry due
    on D is not overdue); None for a closed entry."""
    if not entry.is_open or entry.document_type not in DEBIT_TYPES:
        return None
    return max(0, (as_of - entry.due_date).days)


def entry_days_to_pay(entry: LedgerEntry) -> int | None:
    """A closed entry's days from posting to closing (closed-at − posting date, as "Avg. days to pay");
    None while open."""
    if entry.is_open or entry.document_type not in DEBIT_TYPES:
        return None
    return (entry.closed_at - entry.posting_date).days


def entry_days_late(entry: LedgerEntry) -> int | None:
    """A closed entry's days closed past its due date, max(0, closed-at − due date) as "Avg. overdue days";
    None while open."""
    if entry.is_open or entry.document_type not in DEBIT_TYPES:
        return None
    return max(0, (entry.closed_at - entry.due_date).days)


def days_overdue_at_least(days: int, *, as_of: datetime.date) -> Q:
    """Entries whose `entry_days_overdue` is at least `days` (≥ 0): due on or before D − days."""
    condition = Q(is_open=True, document_type__in=DEBIT_TYPES)
    if days > 0:
        condition &= Q(due_date__lte=as_of - datetime.timedelta(days=days))
    return condition


def days_overdue_at_most(days: int, *, as_of: datetime.date) -> Q:
    """Entries whose `entry_days_overdue` is at most `days` (≥ 0): due on or after D − days."""
    return Q(is_open=True, document_type__in=DEBIT_TYPES, due_date__gte=as_of - datetime.timedelta(days=days))


def promise_falling_due(*, as_of: datetime.date) -> Q:
    """Entries with a promised payment date in the week starting on D (D to D + 6)."""
    return Q(promised_payment_date__gte=as_of, promised_payment_date__lte=as_of + datetime.timedelta(days=6))


def promise_overdue(*, as_of: datetime.date) -> Q:
    """Entries still open whose promised payment date has passed (before D)."""
    return Q(is_open=True, promised_payment_date__lt=as_of)
