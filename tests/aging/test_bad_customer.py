"""One customer whose figures cannot be stored does not stop a recalculation of the others.

The bounds (creditcontrol/bounds.py) keep such data out of every way in; a row written before them, or
by hand, can still hold one: here an invoice closed in the year 5,000,000, whose days to pay overflow the
stored average. The recalculation leaves that customer stale, names it and the error on its run, and
writes every other customer.
"""

from decimal import Decimal

import pytest
from django.db import connection

from aging.models import CustomerStatistics, RecalculationRun
from aging.services import recalculate_all, recalculate_entries
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests.factories import customer, invoice

LEFT_STALE = (
    "1 customer could not be recalculated and keeps the figures of before (still stale): "
    "C2: numeric field overflow"
)


def _ledger(tenant) -> dict:
    tenant_initialise(tenant)
    with tenant_context(tenant):
        customers = {code: customer(code=code, name=f"Customer {code}") for code in ("C1", "C2", "C3")}
        for number, (code, amount) in enumerate((("C1", "100.00"), ("C2", "200.00"), ("C3", "300.00"))):
            invoice(customers[code], f"INV{number}", "2026-01-10", amount)
        bad = invoice(customers["C2"], "INV-BAD", "2026-01-10", "50.00")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_ledgerentry SET closed_at = '5000000-01-01', is_open = false, remaining_amount = 0,"
                " remaining_amount_lcy = 0, settled_by_payment = true WHERE id = %s",
                [bad.pk],
            )
            # as the ledger does on every change of a customer's entries: its figures are stale now
            cursor.execute(
                "UPDATE aging_customerstatistics SET ledger_version = ledger_version + 1 WHERE customer_id = %s",
                [bad.customer_id],
            )
    return customers


def _figures(customers) -> dict:
    rows = CustomerStatistics.objects.filter(customer__in=customers.values())
    return {row.customer.code: (row.balance_lcy, row.is_stale) for row in rows.select_related("customer")}


def _expect_only_c2_left_stale(run, customers, c2_before=Decimal("0.00")):
    assert (run.status, run.customers_count, run.message) == (
        RecalculationRun.Status.SUCCEEDED,
        2,
        LEFT_STALE,
    )
    assert _figures(customers) == {
        "C1": (Decimal("100.00"), False),
        "C2": (c2_before, True),
        "C3": (Decimal("300.00"), False),
    }


def test_recalculate_all_leaves_the_bad_customer_stale_and_writes_the_others(tenant_a):
    customers = _ledger(tenant_a)
    with tenant_context(tenant_a):
        run = recalculate_all(trigger="command")
        _expect_only_c2_left_stale(run, customers)


def test_recalculate_entries_does_the_same(tenant_a):
    customers = _ledger(tenant_a)
    with tenant_context(tenant_a):
        run = recalculate_entries(trigger="command", customer_ids=[c.pk for c in customers.values()])
        _expect_only_c2_left_stale(run, customers)


@pytest.mark.django_db(transaction=True)
def test_on_several_connections_too(tenant_a, settings):
    # Committed data, so that Recalculate All shares the ranges out among its own connections.
    settings.RECALCULATE_ALL_CONNECTIONS = 2
    customers = _ledger(tenant_a)
    steps = []
    with tenant_context(tenant_a):
        run = recalculate_all(trigger="command", progress=steps.append)
        # Committed postings were recalculated as they came (the debounced Recalculate Entries), the bad
        # invoice still open then: those are C2's figures of before.
        _expect_only_c2_left_stale(run, customers, c2_before=Decimal("250.00"))
    assert any(step.endswith("on 2 connection(s)") for step in steps), steps
