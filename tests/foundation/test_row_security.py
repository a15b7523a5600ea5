"""The second wall: PostgreSQL's row-level policies hold the application to the current tenant, whatever
its SQL says (creditcontrol.rowsecurity). The whole suite runs as the application's role, so every other
test runs under the policies too."""

import pytest
from django.conf import settings
from django.db import DataError, ProgrammingError, connection, transaction

from creditcontrol.rowsecurity import owner_connection
from creditcontrol.tenancy import tenant_context, tenant_owned_tables
from customers.models import Customer
from tests.factories import customer, invoice


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture
def two_ledgers(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        a1 = customer(code="A1", name="Alpha one")
        a2 = customer(code="A2", name="Alpha two")
        a1.linked_customers.add(a2)
        invoice(a1, "A-INV", "2026-01-10", "100.00")
    with tenant_context(tenant_b):
        b1 = customer(code="B1", name="Beta one")
        b2 = customer(code="B2", name="Beta two")
        b1.linked_customers.add(b2)
        invoice(b1, "B-INV", "2026-01-10", "70.00")
    return tenant_a, tenant_b


def test_the_application_is_neither_a_superuser_nor_the_owner_of_the_tables(db):
    ((user, superuser, bypass),) = _rows(
        "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    owners = {
        owner for (owner,) in _rows("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    }

    assert (user, superuser, bypass) == (settings.DATABASE_APP_USER, False, False)
    assert user not in owners


def test_every_table_with_tenant_rows_has_the_policy(db):
    tables, joins = tenant_owned_tables()
    with_policy = {
        table for (table,) in _rows("SELECT tablename FROM pg_policies WHERE policyname = 'tenant_isolation'")
    }
    secured = {table for (table,) in _rows("SELECT relname FROM pg_class WHERE relrowsecurity")}
    with_tenant_column = {
        table
        for (table,) in _rows(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'"
        )
    }

    assert "customers_customer_linked_customers" in {table for table, _, _ in joins}
    expected = set(tables) | {table for table, _, _ in joins}
    assert with_policy == secured == expected
    # Memberships are how a user finds a tenant before entering it: the one table with a tenant column
    # that is not tenant data.
    assert with_tenant_column - expected == {"creditcontrol_membership"}


def test_sql_without_a_tenant_condition_sees_only_the_current_tenants_rows(two_ledgers):
    tenant_a, tenant_b = two_ledgers
    query = "SELECT code FROM customers_customer ORDER BY code"
    with tenant_context(tenant_a):
        assert _rows(query) == [("A1",), ("A2",)]
        assert _rows("SELECT document_no, amount FROM ledger_ledgerentry") == [("A-INV", 100)]
        assert len(_rows("SELECT * FROM customers_customer_linked_customers")) == 2  # both ways
    with tenant_context(tenant_b):
        assert _rows(query) == [("B1",), ("B2",)]
        assert _rows("SELECT sum(amount) FROM ledger_ledgerentry") == [(70,)]


def test_with_no_tenant_entered_sql_sees_no_tenant_rows_at_all(two_ledgers):
    assert _rows("SELECT count(*) FROM customers_customer") == [(0,)]
    assert _rows("SELECT count(*) FROM ledger_ledgerentry") == [(0,)]
    assert _rows("SELECT count(*) FROM customers_customer_linked_customers") == [(0,)]
    assert list(Customer.objects.unscoped().values_list("code", flat=True)) == []


def test_a_row_for_another_tenant_cannot_be_written(two_ledgers):
    tenant_a, tenant_b = two_ledgers
    refused = pytest.raises(ProgrammingError, match="violates row-level security policy")
    with tenant_context(tenant_a), refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO customers_customer (tenant_id, code, name, customer_type, currency_code, credit_limit_lcy,"
            " blocked, hold_all, email, phone, address, country, tags, custom_fields, created_at, updated_at)"
            " VALUES (%s, 'X1', 'Planted', 'company', '', NULL, false, false, '', '', '', '', '{}', '{}', now(), now())",
            [tenant_b.pk],
        )
    # And what is there cannot be changed either: B's rows are not seen.
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET name = 'Renamed' WHERE code = 'B1'")
        assert cursor.rowcount == 0


def test_a_connection_opened_inside_a_tenant_starts_in_it(two_ledgers, transactional_db):
    tenant_a, _ = two_ledgers
    with tenant_context(tenant_a):
        connection.close()  # as a health check or a worker would
        assert _rows("SELECT code FROM customers_customer ORDER BY code") == [("A1",), ("A2",)]


def test_a_rolled_back_transaction_leaves_the_connection_in_the_enclosing_tenant(two_ledgers):
    tenant_a, tenant_b = two_ledgers
    with tenant_context(tenant_a):
        with pytest.raises(DataError), transaction.atomic(), tenant_context(tenant_b):
            _rows("SELECT 1 / 0")
        assert _rows("SELECT code FROM customers_customer ORDER BY code") == [("A1",), ("A2",)]
    assert _rows("SELECT count(*) FROM customers_customer") == [(0,)]


def test_a_page_request_leaves_the_connection_without_a_tenant(two_ledgers, make_member, client):
    tenant_a, _ = two_ledgers
    client.force_login(make_member(tenant_a))

    assert client.get("/t/alpha/customers/").status_code == 200

    assert _rows("SELECT count(*) FROM customers_customer") == [(0,)]


def test_the_owner_reaches_every_tenant_for_maintenance(two_ledgers, transactional_db):
    with owner_connection():
        rows = list(Customer.objects.unscoped().order_by("code").values_list("code", "tenant__slug"))
    assert rows == [("A1", "alpha"), ("A2", "alpha"), ("B1", "beta"), ("B2", "beta")]
    assert _rows("SELECT count(*) FROM customers_customer") == [(0,)]  # the application again
