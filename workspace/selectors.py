"""Reads that combine the apps for the workspace pages: the customer list and card, the credit review."""

import datetime

from django.db.models import Prefetch

from customers.models import Contact, CreditLimitChange, Customer
from ledger.selectors import customer_balance_series

SORTS = {
    "code": "code",
    "name": "name",
    "balance": "statistics__balance_lcy",
    "overdue": "statistics__overdue_balance_lcy",
    "limit": "credit_limit_lcy",
}


def customer_list(*, filterset_qs, sort: str = "code"):
    field = SORTS.get(sort.lstrip("-"), "code")
    order = f"-{field}" if sort.startswith("-") else field
    return filterset_qs.select_related(
        "statistics", "group", "branch", "payment_terms", "controller"
    ).order_by(order, "id")


def customer_card(*, customer_id: int) -> Customer:
    return (
        Customer.objects.select_related(
            "group", "group__parent", "branch", "payment_terms", "controller", "statistics"
        )
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.all()),
            Prefetch("credit_limit_changes", queryset=CreditLimitChange.objects.select_related("changed_by")),
            "linked_customers",
        )
        .get(pk=customer_id)
    )


def month_ends(*, until: datetime.date, months: int) -> list[datetime.date]:
    """The last day of each of the `months` months up to `until` (which ends the series)."""
    dates, year, month = [until], until.year, until.month
    for _ in range(months - 1):
        first = datetime.date(year, month, 1)
        previous = first - datetime.timedelta(days=1)
        dates.append(previous)
        year, month = previous.year, previous.month
    return sorted(dates)


def credit_review_series(*, customer: Customer, until: datetime.date, months: int = 12) -> list[dict]:
    """Balance and credit limit at each month end (for the credit review chart)."""
    dates = month_ends(until=until, months=months)
    balances = dict(customer_balance_series(customer_id=customer.pk, dates=dates))
    changes = sorted(customer.credit_limit_changes.all(), key=lambda c: c.changed_at)
    points = []
    for date in dates:
        limit = customer.credit_limit_lcy
        effective = [c for c in changes if c.changed_at.date() <= date]
        if changes:
            limit = effective[-1].new_limit_lcy if effective else changes[0].old_limit_lcy
        points.append({"date": date, "balance": balances[date], "limit": limit})
    return points
