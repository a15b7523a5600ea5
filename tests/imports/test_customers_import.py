"""Importing customers: create, update, credit-limit history, idempotency, and row errors that write nothing."""

import io
from decimal import Decimal

import pytest
from django.db import connection

from aging.models import CustomerStatistics
from creditcontrol.models import Role
from customers.models import Branch, CreditLimitChange, Customer, CustomerGroup, PaymentTerms
from ledger.imports import import_csv

from .helpers import counts, run_import

HEADER = "code,name,customer_type,group,branch,currency,payment_terms,credit_limit,blocked,hold_all,controller,email,phone,country,tags\n"


@pytest.fixture
def setup(in_tenant, make_member, tenant_b):
    CustomerGroup.objects.create(code="RETAIL", name="Retail")
    Branch.objects.create(code="LON", name="London")
    PaymentTerms.objects.create(code="30D", days=30)
    make_member(in_tenant, Role.CONTROLLER, username="carol")
    make_member(tenant_b, Role.CONTROLLER, username="otto")
    return in_tenant


def test_customers_are_created_then_updated_and_reimport_changes_nothing(setup):
    result = run_import(
        "customers",
        HEADER
        + "C001,Acme Foods Ltd,Business,RETAIL,LON,,30D,5000,no,no,carol,ap@acme.example,+44 1,gb,key|north\n"
        + "C002,Baker Ltd,,,,EUR,,,yes,,,,,,\n",
    )
    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    acme = Customer.objects.get(code="C001")
    assert acme.name == "Acme Foods Ltd"
    assert acme.group.code == "RETAIL" and acme.branch.code == "LON" and acme.payment_terms.code == "30D"
    assert acme.credit_limit_lcy == Decimal("5000.00")
    assert acme.controller.username == "carol"
    assert (acme.country, acme.tags, acme.currency_code) == ("GB", ["key", "north"], "")
    baker = Customer.objects.get(code="C002")
    assert (baker.blocked, baker.credit_limit_lcy, baker.currency_code) == (True, None, "EUR")
    change = CreditLimitChange.objects.get()
    assert (change.customer, change.old_limit_lcy, change.new_limit_lcy, change.changed_by) == (
        acme,
        None,
        Decimal("5000.00"),
        None,
    )
    stale = CustomerStatistics.objects.filter(customer__code__in=["C001", "C002"])
    assert stale.count() == 2

    again = run_import(
        "customers",
        HEADER
        + "C001,Acme Foods Ltd,Business,RETAIL,LON,,30D,5000,no,no,carol,ap@acme.example,+44 1,gb,key|north\n"
        + "C002,Baker Ltd,,,,EUR,,,yes,,,,,,\n",
    )
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 2)
    assert CreditLimitChange.objects.count() == 1

    changed = run_import(
        "customers",
        HEADER
        + "C001,Acme Foods Ltd,Business,RETAIL,LON,,30D,7500.50,no,no,carol,ap@acme.example,+44 1,gb,key|north\n"
        + "C002,Baker & Sons Ltd,,,,EUR,,,yes,,,,,,\n",
    )
    assert (changed.errors, changed.created, changed.updated, changed.unchanged) == ([], 0, 2, 0)
    assert Customer.objects.get(code="C002").name == "Baker & Sons Ltd"
    latest = CreditLimitChange.objects.order_by("-id").first()
    assert (latest.old_limit_lcy, latest.new_limit_lcy, latest.changed_by, latest.note) == (
        Decimal("5000.00"),
        Decimal("7500.50"),
        None,
        "ERP import",
    )
    assert Customer.objects.get(code="C001").credit_limit_last_checked == setup.today()


def test_columns_left_out_keep_what_is_stored(setup):
    run_import("customers", HEADER + "C001,Acme,Business,RETAIL,LON,,30D,5000,no,no,carol,,,,vip\n")
    result = run_import("customers", "code,name\nC001,Acme Foods Ltd\nC003,New Co\n")
    assert (result.errors, result.created, result.updated) == ([], 1, 1)
    acme = Customer.objects.get(code="C001")
    assert (acme.name, acme.credit_limit_lcy, acme.group.code, acme.tags) == (
        "Acme Foods Ltd",
        Decimal("5000.00"),
        "RETAIL",
        ["vip"],
    )
    assert CreditLimitChange.objects.count() == 1


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        ("C009,Zed,,NOPE,,,,,,,,,,,", "group", "Unknown customer group 'NOPE'."),
        ("C009,Zed,,,MAD,,,,,,,,,,", "branch", "Unknown branch 'MAD'."),
        ("C009,Zed,,,,,60D,,,,,,,,", "payment_terms", "Unknown payment terms '60D'."),
        (
            "C009,Zed,,,,,,,,,otto,,,,",
            "controller",
            "Unknown credit controller 'otto': no such user in this company.",
        ),
        (
            "C009,Zed,,,,,,12.345,,,,,,,",
            "credit_limit",
            "'12.345' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        ),
        (
            "C009,Zed,,,,,,-5,,,,,,,",
            "credit_limit",
            "A credit limit cannot be negative (leave it blank for no limit).",
        ),
        ("C009,,,,,,,,,,,,,,", "name", "Required."),
        ("C009,Zed,,,,,,,maybe,,,,,,", "blocked", "'maybe' is not a yes/no value: use true or false."),
        ("C009,Zed,,,,,,,,,,not-an-email,,,", "email", "'not-an-email' is not an email address."),
        (
            "C001,Again,,,,,,,,,,,,,",
            "code",
            "Customer 'C001' appears more than once in the file (first on row 2).",
        ),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(setup, line, column, message):
    before = counts()
    result = run_import("customers", HEADER + "C001,Acme,,,,,,100,,,,,,,\n" + line + "\n")
    assert result.errors == [{"row": 3, "column": column, "message": message}]
    assert result.message == "The file has 1 error: nothing was imported."
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before


def test_header_problems_are_reported_on_row_1(setup):
    result = run_import("customers", "code,nmae\nC001,Acme\n")
    assert result.errors == [
        {"row": 1, "column": "name", "message": "Missing column 'name'."},
        {
            "row": 1,
            "column": "nmae",
            "message": "Unknown column 'nmae': the columns are code, name, customer_type, group, branch, "
            "currency, payment_terms, credit_limit, blocked, hold_all, controller, email, phone, address, "
            "city, country, tags.",
        },
    ]
    assert Customer.objects.count() == 0


def test_wrong_number_of_fields_and_non_utf8(setup):
    result = run_import("customers", "code,name\nC001,Acme,extra\n")
    assert result.errors == [{"row": 2, "column": "", "message": "Expected 2 fields, found 3."}]
    latin = import_csv(kind="customers", source=io.BytesIO("code,name\nC001,Caf\xe9\n".encode("latin-1")))
    assert latin.errors == [
        {"row": 2, "column": "", "message": "This line is not UTF-8 text: save the file as UTF-8."}
    ]
    assert Customer.objects.count() == 0


def test_a_big_load_leaves_the_planner_knowing_the_table_size(in_tenant):
    """A new tenant's first load: without fresh statistics the planner would take the customers table
    for empty and join the next import's rows with it row by row."""
    rows = "".join(f"K{i:05d},Customer {i}\n" for i in range(1, 1201))
    result = run_import("customers", "code,name\n" + rows)
    assert (result.errors, result.created) == ([], 1200)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'customers_customer'::regclass")
        assert cursor.fetchone()[0] == 1200
