"""The audit log is written by the database: from a page, the API, an import, a bulk update and raw SQL
alike, with who or what made each change, and the application can neither change nor delete it."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction

from audit.models import AuditChange
from creditcontrol import auditing
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from creditcontrol.tokens import create_token
from customers.models import Customer
from customers.services import credit_limit_change, customer_update
from ledger.imports import import_csv
from tests import factories


def rows(tenant, **filters):
    with tenant_context(tenant):
        return list(AuditChange.objects.filter(**filters).order_by("id"))


def limit_rows(tenant, customer):
    return rows(tenant, entity="customers_customer", customer_id=customer.pk, field="credit_limit_lcy")


@pytest.fixture
def customer(tenant_a):
    with tenant_context(tenant_a):
        return factories.customer(code="C001", name="Crown Fabrics Ltd")


def test_a_credit_limit_change_on_the_card_is_one_row_with_the_user_and_reason(
    tenant_a, customer, make_member, client_for
):
    manager = make_member(tenant_a, Role.MANAGER)
    response = client_for(manager).post(
        f"/t/alpha/customers/{customer.pk}/", {"new_limit_lcy": "2500.00", "note": "Paid promptly for a year"}
    )
    assert response.status_code == 302
    [row] = limit_rows(tenant_a, customer)
    assert (row.action, row.old_value, row.new_value, row.source, row.user_id, row.reason) == (
        "update",
        None,
        "2500.00",
        "page",
        manager.pk,
        "Paid promptly for a year",
    )
    assert row.context["user"] == manager.username
    assert row.tenant_id == tenant_a.pk


def test_a_credit_limit_change_through_the_api_names_the_token(tenant_a, customer, make_member):
    from rest_framework.test import APIClient

    manager = make_member(tenant_a, Role.MANAGER)
    token, secret = create_token(manager, "ERP bridge")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.post(
        "/api/t/alpha/credit-limit-changes/",
        {"customer": customer.pk, "new_limit_lcy": "750.00", "note": "Insurer cut the cover"},
        format="json",
    )
    assert response.status_code == 201, response.content
    [row] = limit_rows(tenant_a, customer)
    assert (row.old_value, row.new_value, row.source, row.user_id, row.reason) == (
        None,
        "750.00",
        "api",
        manager.pk,
        "Insurer cut the cover",
    )
    assert row.context["token_id"] == token.pk
    assert row.context["token"] == f"ERP bridge ({token.prefix}…)"


def test_a_credit_limit_change_by_a_customer_import_names_the_job_and_file(
    tenant_a, customer, make_member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/ledger/import/",
            {
                "kind": "customers",
                "file": SimpleUploadedFile(
                    "limits.csv", b"code,name,credit_limit\nC001,Crown Fabrics Ltd,900\n"
                ),
            },
        )
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    [row] = limit_rows(tenant_a, customer)
    assert (row.old_value, row.new_value, row.source, row.reason, row.job) == (
        None,
        "900.00",
        "import",
        "ERP import",
        job_id,
    )
    assert row.context["file"] == "limits.csv"
    assert row.context["task"] == "ledger.imports.import_file"
    # the only change of the import: the name did not change
    assert [(r.field, r.job) for r in rows(tenant_a, job=job_id)] == [("credit_limit_lcy", job_id)]


def test_a_bulk_import_of_1000_customers_changing_one_field_leaves_1000_rows_of_that_import(
    tenant_a, make_member, client_for, django_capture_on_commit_callbacks
):
    header = "code,name,blocked\n"
    with tenant_context(tenant_a):
        import_csv(
            kind="customers",
            source=io.BytesIO(
                (header + "".join(f"K{n:04},Customer {n},false\n" for n in range(1000))).encode()
            ),
        )
    client = client_for(make_member(tenant_a, Role.MANAGER))
    upload = header + "".join(f"K{n:04},Customer {n},true\n" for n in range(1000))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/ledger/import/",
            {"kind": "customers", "file": SimpleUploadedFile("blocked.csv", upload.encode())},
        )
    job_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    changed = rows(tenant_a, job=job_id)
    assert len(changed) == 1000
    assert {(r.field, r.old_value, r.new_value, r.source, r.context["file"]) for r in changed} == {
        ("blocked", "false", "true", "import", "blocked.csv")
    }
    with tenant_context(tenant_a):
        assert len({r.customer_id for r in changed}) == 1000 == Customer.objects.filter(blocked=True).count()


def test_a_set_based_update_and_raw_sql_are_recorded_too(tenant_a, customer):
    with tenant_context(tenant_a):
        Customer.objects.filter(pk=customer.pk).update(hold_all=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE customers_customer SET phone = '020 7946 0000' WHERE id = %s", [customer.pk]
            )
    changed = rows(tenant_a, customer_id=customer.pk, action="update")
    assert [(r.field, r.old_value, r.new_value, r.source) for r in changed] == [
        ("hold_all", "false", "true", "database"),
        ("phone", "", "020 7946 0000", "database"),
    ]


def test_a_hold_change_takes_its_reason(tenant_a, customer):
    with tenant_context(tenant_a), auditing.context(source=auditing.PAGE, user="ops"):
        customer_update(customer=customer, hold_all=True, reason="Cheque bounced")
    [row] = rows(tenant_a, customer_id=customer.pk, action="update")
    assert (row.field, row.new_value, row.reason, row.source) == (
        "hold_all",
        "true",
        "Cheque bounced",
        "page",
    )


def test_creation_and_deletion_are_one_row_each(tenant_a):
    with tenant_context(tenant_a):
        branch = factories.branch(code="MAN", name="Manchester")
        branch_id = branch.pk
        branch.delete()
    created, deleted = rows(tenant_a, entity="customers_branch", object_id=branch_id)
    # a creation names the row (its first values are its values back through its recorded changes)...
    assert (created.action, created.field, created.old_value, created.new_value) == ("insert", "", None, None)
    # ...a deletion keeps them all
    assert (deleted.action, deleted.old_value, deleted.new_value) == (
        "delete",
        '{"code": "MAN", "name": "Manchester", "is_active": true}',
        None,
    )


def test_only_a_status_code_change_of_an_entry_is_recorded(tenant_a, customer):
    from interactions.services import status_code_create
    from ledger.models import LedgerEntry

    with tenant_context(tenant_a):
        entry = factories.invoice(customer, "INV-1", "2026-01-10", "100.00")
        code = status_code_create(code="DISPUTE", description="Disputed")
        LedgerEntry.objects.filter(pk=entry.pk).update(description="changed", status_code=code)
        LedgerEntry.objects.filter(pk=entry.pk).update(description="changed again")
    [row] = rows(tenant_a, entity="ledger_ledgerentry")
    assert (row.object_id, row.customer_id, row.field, row.old_value, row.new_value) == (
        entry.pk,
        customer.pk,
        "status_code_id",
        None,
        str(code.pk),
    )


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_change SET reason = 'forged'", "DELETE FROM audit_change"]
)
def test_the_application_can_neither_change_nor_delete_a_row(tenant_a, customer, statement):
    with tenant_context(tenant_a):
        credit_limit_change(customer=customer, new_limit_lcy=Decimal("10"), note="first")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert [r.reason for r in limit_rows(tenant_a, customer)] == ["first"]


def test_the_application_cannot_write_a_row_itself(tenant_a, customer):
    with tenant_context(tenant_a), pytest.raises(DatabaseError), transaction.atomic():
        AuditChange.objects.create(
            occurred_at="2026-01-01T00:00:00Z", entity="x", object_id=1, action="update", source="page"
        )


def test_a_trigger_refuses_changes_whoever_asks(tenant_a):
    """Beneath the role's missing rights, the table itself refuses (the owner too: see docs/audit.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'audit_change'::regclass AND NOT tgisinternal"
        )
        [(name, kind)] = cursor.fetchall()
    assert name == "audit_change_immutable"
    assert kind & (8 | 16) == 8 | 16  # BEFORE DELETE and UPDATE


def test_the_context_does_not_leak_into_the_next_request_on_the_same_connection(
    tenant_a, customer, make_member, client_for
):
    manager = make_member(tenant_a, Role.MANAGER)
    client = client_for(manager)
    client.post(f"/t/alpha/customers/{customer.pk}/", {"new_limit_lcy": "10", "note": "one"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('audit.context', true)")
        assert cursor.fetchone()[0] == ""
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute("UPDATE customers_customer SET phone = 'after' WHERE id = %s", [customer.pk])
    [after] = rows(tenant_a, field="phone")
    assert (after.source, after.user_id, after.reason, after.context) == ("database", None, None, {})


def test_a_hold_set_through_the_api_keeps_its_reason(tenant_a, customer, make_member, api_for):
    manager = make_member(tenant_a, Role.MANAGER)
    response = api_for(manager).patch(
        f"/api/t/alpha/customers/{customer.pk}/",
        {"hold_all": True, "reason": "Insolvency notice in the gazette"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert "reason" not in response.json()
    [row] = rows(tenant_a, customer_id=customer.pk, action="update")
    assert (row.field, row.old_value, row.new_value, row.source, row.user_id, row.reason) == (
        "hold_all",
        "false",
        "true",
        "api",
        manager.pk,
        "Insolvency notice in the gazette",
    )
