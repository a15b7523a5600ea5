"""Recalculate All reads the ledger in customer id ranges, one UNION ALL branch each (aging/figures.py).

The ranges must cover every customer exactly once, and each range's figures must be those the
one-customer-at-a-time path computes; the latest payment is chosen by date, then entry no.
"""

from decimal import Decimal

import pytest
from django.db import connection

from aging import selectors, services
from aging.figures import FIGURE_COLUMNS
from aging.models import CustomerStatistics
from aging.services.recalculation import RANGES_PER_CONNECTION, _range_groups
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import LedgerEntry

from .helpers import apply, days_ago, post, stats

D = Decimal


@pytest.fixture
def tenant(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        yield tenant_a


def _varied_ledgers(tenant, count: int) -> list[Customer]:
    """`count` customers, each ledger a little different: open, part-paid, paid late, credited, unapplied."""
    today = tenant.today()
    customers = []
    for n in range(count):
        customer = Customer.objects.create(code=f"R{n:02d}", name=f"Range customer {n}")
        customers.append(customer)
        if n % 7 == 6:
            continue  # no entries at all
        invoice = post(
            customer, "invoice", f"I{n}a", today=today, posted=60 + n, due=30 + n, amount=f"{100 + n}.00"
        )
        post(customer, "invoice", f"I{n}b", today=today, posted=n, due=n - 30, amount="40.00")
        if n % 2:
            payment = post(customer, "payment", f"P{n}", today=today, posted=n % 5, amount=f"-{100 + n}.00")
            apply(payment, invoice, today=today, on=n % 5)
        else:
            payment = post(customer, "payment", f"P{n}", today=today, posted=10, amount="-25.00")
            apply(payment, invoice, today=today, on=10)
        if n % 3 == 0:
            memo = post(customer, "credit_memo", f"C{n}", today=today, posted=4, amount="-15.00")
            if n % 2 == 0:  # beside the part payment; with an odd n the memo stays open
                apply(memo, invoice, today=today, on=4)
        if n % 4 == 0:
            post(customer, "payment", f"U{n}", today=today, posted=2, amount="-9.99")  # unapplied
    return customers


def test_ranges_cover_every_customer_once(tenant):
    _varied_ledgers(tenant, 20)
    with connection.cursor() as cursor:
        groups = _range_groups(cursor, 2)
    assert [len(group) for group in groups] == [RANGES_PER_CONNECTION, RANGES_PER_CONNECTION]
    chunks = [chunk for group in groups for chunk in group]
    assert chunks[0][0] == 0 and chunks[-1][1] == 2**63 - 1
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))  # contiguous, no overlap
    ids = list(Customer.objects.values_list("pk", flat=True))
    assert all(sum(lo < i <= hi for lo, hi in chunks) == 1 for i in ids)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("connections", [1, 2, 3])
def test_recalculate_all_by_ranges_equals_each_customer_alone(tenant, settings, connections):
    """Committed data (a transactional test), so that Recalculate All can share the ranges out among
    several connections, each in its own thread, as it does in a worker."""
    settings.RECALCULATE_ALL_CONNECTIONS = connections
    customers = _varied_ledgers(tenant, 20)
    messages = []
    run = services.recalculate_all(trigger="command", progress=messages.append)
    assert any(f"customer ranges on {connections} connection(s)" in message for message in messages), messages
    if connections > 1:
        assert f"{connections} of {connections} connections done" in messages[-2]
    assert (run.customers_count, run.entries_count) == (20, LedgerEntry.objects.count())

    alone = selectors.customer_figures(customer_ids=[c.pk for c in customers], as_of=tenant.today())
    stored = {row.customer_id: row for row in CustomerStatistics.objects.all()}
    assert set(stored) == set(alone) == {c.pk for c in customers}
    for customer in customers:
        row = stored[customer.pk]
        assert {column: getattr(row, column) for column in FIGURE_COLUMNS} == alone[customer.pk], (
            customer.code
        )
        assert not row.is_stale
    # Spot checks by hand: R01 paid its first invoice in full 1 day ago, 60 days late on 101.00.
    r01 = stored[customers[1].pk]
    assert (r01.balance_lcy, r01.avg_days_to_pay, r01.avg_overdue_days) == (
        D("40.00"),
        D("60.00"),
        D("30.00"),
    )
    assert r01.weighted_days_late == D("30.00")
    assert (r01.last_payment_date, r01.last_payment_amount_lcy) == (days_ago(tenant.today(), 1), D("101.00"))
    assert stored[customers[6].pk].balance_status == "zero"  # no entries


def test_latest_payment_is_by_date_then_entry_no(tenant):
    today = tenant.today()
    customer = Customer.objects.create(code="LP", name="Latest Payer")
    post(customer, "payment", "EARLY-SAME-DAY", today=today, posted=5, amount="-30.00")
    post(customer, "payment", "LATE-SAME-DAY", today=today, posted=5, amount="-70.00")
    post(customer, "payment", "OLDER-BUT-NEWER-NO", today=today, posted=10, amount="-500.00")

    services.recalculate_all(trigger="command")
    row = stats(customer)
    assert (row.last_payment_date, row.last_payment_amount_lcy) == (days_ago(today, 5), D("70.00"))

    services.recalculate_entries(trigger="command", customer_ids=[customer.pk])
    row = stats(customer)
    assert (row.last_payment_date, row.last_payment_amount_lcy) == (days_ago(today, 5), D("70.00"))
    figures = selectors.customer_figures(customer_ids=[customer.pk], as_of=today)[customer.pk]
    assert (figures["last_payment_date"], figures["last_payment_amount_lcy"]) == (
        days_ago(today, 5),
        D("70.00"),
    )
