"""The database itself keeps an entry with a customer of its own tenant (one composite foreign key).

The statements run inside tenant A, as the application would: the row-level policies let them reach A's
rows, and the foreign key is checked beneath the policies (PostgreSQL checks keys against every row).
"""

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from creditcontrol.tenancy import tenant_context
from tests.factories import customer, invoice


def _immediately(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


def test_an_entry_cannot_point_at_another_tenants_customer(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        theirs = customer(code="B001", name="Beta customer")
    with tenant_context(tenant_a):
        entry = invoice(customer(), "INV1", "2026-01-10", "100.00")
        with pytest.raises(IntegrityError, match="ledger_entry_customer_same_tenant"):
            _immediately(
                "UPDATE ledger_ledgerentry SET customer_id = %s WHERE id = %s", [theirs.pk, entry.pk]
            )
        # Moving the row to tenant B is refused before the key is checked: by the policy of tenant A.
        with pytest.raises(ProgrammingError, match="violates row-level security policy"):
            _immediately(
                "UPDATE ledger_ledgerentry SET tenant_id = %s WHERE id = %s", [tenant_b.pk, entry.pk]
            )


def test_a_customer_with_entries_cannot_be_deleted_under_the_ledger(tenant_a):
    with tenant_context(tenant_a):
        entry = invoice(customer(), "INV1", "2026-01-10", "100.00")
        with pytest.raises(IntegrityError, match="ledger_entry_customer_same_tenant"):
            _immediately(
                "DELETE FROM aging_customerstatistics WHERE customer_id = %s; "
                "DELETE FROM customers_customer WHERE id = %s",
                [entry.customer_id, entry.customer_id],
            )
