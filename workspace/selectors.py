"""Reads that combine the apps for the workspace pages: the customer list and card, the credit review."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Prefetch, Q, Value, When

from customers.models import Contact, CreditLimitChange, Customer
from ledger.models import LedgerEntry
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


# --- search -------------------------------------------------------------------------------------

SEARCH_SHOWN = 25  # rows shown per group
SEARCH_COUNTED = 500  # a group's count stops here ("500+"): counting every match of "10" costs a scan
SEARCH_MIN_INFIX = 3  # shorter fragments match only from the start: a trigram index needs three characters


@dataclass(frozen=True)
class SearchGroup:
    rows: list
    count: int  # matches, up to SEARCH_COUNTED

    @property
    def more(self) -> bool:
        """More rows match than are shown."""
        return self.count > len(self.rows)

    @property
    def count_label(self) -> str:
        return f"{SEARCH_COUNTED}+" if self.count > SEARCH_COUNTED else str(self.count)


@dataclass(frozen=True)
class SearchResults:
    q: str
    customers: SearchGroup
    documents: SearchGroup
    contacts: SearchGroup

    @property
    def total(self) -> int:
        return self.customers.count + self.documents.count + self.contacts.count


def _matches(q: str, *fields: str) -> Q:
    """`q` anywhere in any of `fields`; a fragment under three characters only at their start."""
    lookup = "icontains" if len(q) >= SEARCH_MIN_INFIX else "istartswith"
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__{lookup}": q})
    return condition


def _exact_first(q: str, field: str) -> Case:
    return Case(When(**{f"{field}__iexact": q}, then=Value(0)), default=Value(1), output_field=IntegerField())


def _group(queryset) -> SearchGroup:
    rows = list(queryset[:SEARCH_SHOWN])
    count = len(rows) if len(rows) < SEARCH_SHOWN else queryset.order_by()[: SEARCH_COUNTED + 1].count()
    return SearchGroup(rows=rows, count=count)


def search(*, q: str) -> SearchResults:
    """Customers by number, name or city; documents by number; contacts by name or e-mail.

    Within the tenant and the request's controller scope (the scoped managers see to both); every branch.
    Exact matches (a whole customer number or document number) come first.
    """
    q = q.strip()
    customers = (
        Customer.objects.filter(_matches(q, "code", "name", "city"))
        .select_related("statistics", "controller")
        .annotate(exact=_exact_first(q, "code"))
        .order_by("exact", "name", "code", "id")
    )
    documents = (
        LedgerEntry.objects.filter(_matches(q, "document_no"))
        .select_related("customer", "customer__controller")
        .annotate(exact=_exact_first(q, "document_no"))
        .order_by("exact", "-posting_date", "-id")
    )
    contacts = (
        Contact.objects.filter(_matches(q, "name", "email"))
        .select_related("customer", "customer__controller")
        .order_by("name", "customer__code", "id")
    )
    return SearchResults(
        q=q, customers=_group(customers), documents=_group(documents), contacts=_group(contacts)
    )
