"""Importing applications: remaining amounts and closed-at dates follow, re-import is a no-op, bad rows write nothing."""

import datetime
from decimal import Decimal

import pytest

from aging.models import CustomerStatistics
from customers.models import Customer
from ledger.models import Application, LedgerEntry
from ledger.services import application_undo, entries_apply

from .helpers import counts, run_import

HEADER = "external_id,applying_entry,applied_entry,amount,posting_date\n"


@pytest.fixture
def ledger(in_tenant):
    Customer.objects.create(code="C001", name="Acme")
    Customer.objects.create(code="C002", name="Baker")
    Customer.objects.create(code="C003", name="Euro", currency_code="EUR")
    result = run_import(
        "entries",
        "external_id,customer,document_type,document_no,posting_date,amount,amount_lcy\n"
        "INV-1,C001,invoice,SI1,2025-01-10,1000.00,\n"
        "INV-2,C001,invoice,SI2,2025-01-20,300.00,\n"
        "PAY-1,C001,payment,P1,2025-02-01,-1100.00,\n"
        "CM-1,C001,credit_memo,CM1,2025-02-05,-200.00,\n"
        "INV-B,C002,invoice,SIB,2025-01-10,50.00,\n"
        "INV-E,C003,invoice,SIE,2025-01-10,100.00,85.50\n"
        "PAY-E,C003,payment,PE,2025-01-11,-100.00,-86.00\n",
    )
    assert result.errors == []
    return in_tenant


def entry(external_id):
    return LedgerEntry.objects.get(external_id=external_id)


def test_applications_settle_entries_and_reimport_is_a_no_op(ledger):
    rows = (
        HEADER
        + "APP-1,PAY-1,INV-1,1000.00,2025-02-01\n"
        + "APP-2,PAY-1,INV-2,100.00,2025-02-03\n"
        + "APP-3,CM-1,INV-2,150.00,2025-02-06\n"
        + "APP-4,PAY-E,INV-E,40.00,2025-01-12\n"
    )
    result = run_import("applications", rows)
    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 4, 0, 0)
    inv1, inv2, pay1, memo = entry("INV-1"), entry("INV-2"), entry("PAY-1"), entry("CM-1")
    assert (inv1.remaining_amount, inv1.is_open, inv1.closed_at) == (
        Decimal("0.00"),
        False,
        datetime.date(2025, 2, 1),
    )
    assert (inv2.remaining_amount, inv2.is_open, inv2.closed_at) == (Decimal("50.00"), True, None)
    assert (pay1.remaining_amount, pay1.is_open) == (Decimal("0.00"), False)
    assert pay1.closed_at == datetime.date(2025, 2, 3)  # the later of its two applications
    assert (memo.remaining_amount, memo.remaining_amount_lcy) == (Decimal("-50.00"), Decimal("-50.00"))
    euro, euro_payment = entry("INV-E"), entry("PAY-E")
    assert (euro.remaining_amount, euro.remaining_amount_lcy) == (Decimal("60.00"), Decimal("51.30"))
    assert (euro_payment.remaining_amount, euro_payment.remaining_amount_lcy) == (
        Decimal("-60.00"),
        Decimal("-51.60"),
    )
    application = Application.objects.get(external_id="APP-3")
    assert (
        application.applying_entry,
        application.applied_entry,
        application.amount,
        application.undone_on,
    ) == (
        memo,
        inv2,
        Decimal("150.00"),
        None,
    )
    assert CustomerStatistics.objects.filter(customer__code="C001").exists()

    updated_at = dict(LedgerEntry.objects.values_list("external_id", "updated_at"))
    again = run_import("applications", rows)
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 4)
    assert Application.objects.count() == 4
    assert dict(LedgerEntry.objects.values_list("external_id", "updated_at")) == updated_at

    # A changed amount or date updates the application and the entries follow.
    changed = run_import("applications", HEADER + "APP-3,CM-1,INV-2,200.00,2025-02-07\n")
    assert (changed.errors, changed.created, changed.updated) == ([], 0, 1)
    inv2, memo = entry("INV-2"), entry("CM-1")
    assert (inv2.remaining_amount, inv2.is_open, inv2.closed_at) == (
        Decimal("0.00"),
        False,
        datetime.date(2025, 2, 7),
    )
    assert (memo.remaining_amount, memo.is_open, memo.closed_at) == (
        Decimal("0.00"),
        False,
        datetime.date(2025, 2, 7),
    )


def test_applications_and_postings_add_up_together(ledger):
    entries_apply(
        applying_entry_id=entry("PAY-1").pk,
        applied_entry_id=entry("INV-1").pk,
        amount=Decimal("900.00"),
        posting_date=datetime.date(2025, 2, 1),
    )
    result = run_import("applications", HEADER + "APP-1,PAY-1,INV-1,100.00,2025-02-02\n")
    assert result.errors == []
    assert (entry("INV-1").remaining_amount, entry("INV-1").closed_at) == (
        Decimal("0.00"),
        datetime.date(2025, 2, 2),
    )
    assert entry("PAY-1").remaining_amount == Decimal("-100.00")
    over = run_import("applications", HEADER + "APP-2,PAY-1,INV-2,100.01,2025-02-02\n")
    assert over.errors == [
        {
            "row": 2,
            "column": "amount",
            "message": "Over-application: applying 100.01 brings the total applied to entry 'PAY-1' to 1100.01, "
            "more than its amount of 1100.00.",
        }
    ]


def test_an_undone_application_cannot_be_imported_again(ledger):
    run_import("applications", HEADER + "APP-1,PAY-1,INV-1,100.00,2025-02-02\n")
    application_undo(application_id=Application.objects.get().pk, undone_on=datetime.date(2025, 2, 3))
    result = run_import("applications", HEADER + "APP-1,PAY-1,INV-1,100.00,2025-02-02\n")
    assert result.errors == [
        {
            "row": 2,
            "column": "external_id",
            "message": "Application 'APP-1' was undone on 2025-02-03: it cannot be imported again.",
        }
    ]
    assert entry("INV-1").remaining_amount == Decimal("1000.00")


@pytest.mark.parametrize(
    ("lines", "column", "message"),
    [
        (
            "APP-2,PAY-1,INV-2,300.00,2025-02-01",
            "amount",
            "Over-application: applying 300.00 brings the total applied to entry 'PAY-1' to 1200.00, "
            "more than its amount of 1100.00.",
        ),
        (
            "APP-2,CM-1,INV-1,100.01,2025-02-05",
            "amount",
            "Over-application: applying 100.01 brings the total applied to entry 'INV-1' to 1000.01, "
            "more than its amount of 1000.00.",
        ),
        ("APP-2,PAY-9,INV-2,10.00,2025-02-01", "applying_entry", "No ledger entry with external id 'PAY-9'."),
        ("APP-2,PAY-1,INV-9,10.00,2025-02-01", "applied_entry", "No ledger entry with external id 'INV-9'."),
        (
            "APP-2,INV-2,INV-1,10.00,2025-02-01",
            "applying_entry",
            "Entry 'INV-2' is an invoice: only payments and credit memos can be applied.",
        ),
        (
            "APP-2,PAY-1,CM-1,10.00,2025-02-05",
            "applied_entry",
            "Entry 'CM-1' is a credit memo: payments and credit memos can only be applied to invoices, refunds, "
            "finance charge memos and reminders.",
        ),
        (
            "APP-2,PAY-1,INV-B,10.00,2025-02-01",
            "applied_entry",
            "Entries 'PAY-1' and 'INV-B' belong to different customers (C001 and C002).",
        ),
        (
            "APP-2,PAY-1,INV-2,10.00,2025-01-31",
            "posting_date",
            "An application cannot be posted (2025-01-31) before entry 'PAY-1' is posted (2025-02-01).",
        ),
        ("APP-2,PAY-1,INV-2,10.00,2025-02-31", "posting_date", "'2025-02-31' is not a date: use YYYY-MM-DD."),
        (
            "APP-2,PAY-1,INV-2,-10.00,2025-02-01",
            "amount",
            "The amount applied must be more than zero (this is -10.00).",
        ),
        (
            "APP-2,PAY-1,INV-2,ten,2025-02-01",
            "amount",
            "'ten' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        ),
        (
            "APP-1,PAY-1,INV-2,10.00,2025-02-01",
            "external_id",
            "External id 'APP-1' appears more than once in the file (first on row 2).",
        ),
        (
            "APP-2,CM-1,INV-2,10.00,2025-02-05\nAPP-3,CM-1,INV-2,195.00,2025-02-05",
            "amount",
            "Over-application: applying 195.00 brings the total applied to entry 'CM-1' to 205.00, "
            "more than its amount of 200.00.",
        ),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(ledger, lines, column, message):
    before = counts()
    remaining = dict(LedgerEntry.objects.values_list("external_id", "remaining_amount"))
    result = run_import("applications", HEADER + "APP-1,PAY-1,INV-1,900.00,2025-02-01\n" + lines + "\n")
    row = 2 + len(lines.splitlines())
    assert result.errors == [{"row": row, "column": column, "message": message}]
    assert counts() == before
    assert dict(LedgerEntry.objects.values_list("external_id", "remaining_amount")) == remaining


def test_existing_application_cannot_move_to_other_entries(ledger):
    run_import("applications", HEADER + "APP-1,PAY-1,INV-1,100.00,2025-02-02\n")
    result = run_import("applications", HEADER + "APP-1,PAY-1,INV-2,100.00,2025-02-02\n")
    assert result.errors == [
        {
            "row": 2,
            "column": "external_id",
            "message": "Application 'APP-1' already applies 'PAY-1' to 'INV-1': its entries cannot change.",
        }
    ]
