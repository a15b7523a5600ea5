"""The tenant's totals (the dashboard's headline figures) and the row counts of statistics lists are read
once per version of the statistics: served from the cache while nothing changed, read anew once a change
commits."""

from decimal import Decimal

import pytest
from django.db import connection

from aging.models import CustomerStatistics
from aging.pagination import StatisticsPaginator
from aging.selectors import tenant_totals
from aging.services import recalculate_all
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories


@pytest.mark.django_db(transaction=True)  # the versions change when the writing transaction commits
def test_totals_are_cached_until_the_statistics_change(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C1", name="Crown Fabrics")
        factories.invoice(customer, "SI-1", "2026-01-10", "100.00")
        recalculate_all(trigger="command")
        assert tenant_totals()["total_balance_lcy"] == Decimal("100.00")

        # Written behind the services' back: the cached totals do not see it (nothing announced a change).
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE aging_customerstatistics SET balance_lcy = 999 WHERE customer_id = %s", [customer.pk]
            )
        assert tenant_totals()["total_balance_lcy"] == Decimal("100.00")

        # A posting (and the recalculation it schedules, in-process here) changes the version.
        factories.invoice(customer, "SI-2", "2026-01-11", "50.00")
        assert tenant_totals()["total_balance_lcy"] == Decimal("150.00")
        recalculate_all(trigger="command")
        assert tenant_totals(with_bands=True)["total_balance_lcy"] == Decimal("150.00")


def test_a_read_in_the_writing_transaction_sees_its_own_change(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customer = factories.customer(code="C1", name="Crown Fabrics")
        recalculate_all(trigger="command")
        assert tenant_totals()["stale_customers"] == 0
        factories.invoice(customer, "SI-1", "2026-01-10", "100.00")
        assert tenant_totals()["stale_customers"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_list_of_statistics_is_counted_once_per_version(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        factories.customer(code="C1", name="Crown Fabrics")
        recalculate_all(trigger="command")

        def count(**filters) -> int:
            rows = CustomerStatistics.objects.filter(**filters).order_by("customer_id")
            return StatisticsPaginator(rows, 50).count

        assert count() == 1
        with connection.cursor() as cursor:  # behind the services' back: the count is the cached one
            cursor.execute(
                "UPDATE aging_customerstatistics SET balance_lcy = 5 WHERE tenant_id = %s", [tenant_a.pk]
            )
        assert (count(), count(balance_lcy=5)) == (1, 1)
        assert count(balance_lcy=6) == 0  # another query, another count

        factories.customer(code="C2", name="Delta Motors")  # the seam marks it: a new version
        assert count() == 2
