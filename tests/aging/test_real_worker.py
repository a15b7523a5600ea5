"""Through a real Celery worker process: a posting commits, the debounced Recalculate Entries travels
through Redis to the worker, and the customer's stored figures catch up by themselves."""

import time
from decimal import Decimal

import pytest

from aging.models import CustomerStatistics
from creditcontrol.tenancy import tenant_context
from tests import factories


@pytest.mark.worker
def test_a_posting_is_recalculated_by_the_worker(celery_worker, tenant_a):
    with tenant_context(tenant_a):
        customer = factories.customer()
        factories.invoice(customer, "INV1", "2026-01-10", "1200.00")
        factories.payment(customer, "PAY1", "2026-01-20", "200.00")
        deadline = time.monotonic() + 30
        while True:
            statistics = CustomerStatistics.objects.get(customer=customer)
            if not statistics.is_stale or time.monotonic() > deadline:
                break
            time.sleep(0.25)
    assert not statistics.is_stale, "the worker did not recalculate within 30 s"
    assert statistics.balance_lcy == Decimal("1000.00")
    assert statistics.overdue_balance_lcy == Decimal("1000.00")  # the unapplied payment counts against it
