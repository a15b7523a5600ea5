"""Importing ledger entries: defaults, signs, currencies, re-import with applications, and bad rows."""

import datetime
from decimal import Decimal

import pytest

from aging.models import CustomerStatistics
from customers.models import Branch, Customer, PaymentTerms
from ledger.models import LedgerEntry
from ledger.services import entries_apply

from .helpers import counts, run_import

HEADER = (
    "external_id,customer,document_type,document_no,posting_date,document_date,due_date,description,"
    "currency,amount,amount_lcy,branch,on_hold\n"
)


@pytest.fixture
def customers(in_tenant):
    terms = PaymentTerms.objects.create(code="EOM30", rule="eom", days=30)
    london = Branch.objects.create(code="LON", name="London")
    Branch.objects.create(code="MAN", name="Manchester")
    Customer.objects.create(code="C001", name="Acme", payment_terms=terms, branch=london)
    Customer.objects.create(code="C002", name="Euro Kunde", currency_code="EUR")
    return in_tenant


def test_entries_are_created_with_defaults(customers):
    result = run_import(
        "entries",
        HEADER
        + "INV-1,C001,invoice,SI0001,2025-01-15,,,Goods,,1200.00,,,\n"
        + "CM-1,C001,credit_memo,SCM0001,2025-01-20,2025-01-19,2025-01-20,Returned,,-200.00,,MAN,yes\n"
        + "INV-2,C002,invoice,SI0002,2025-01-16,,2025-02-15,,,100.00,86.12,,\n",
    )
    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    invoice = LedgerEntry.objects.get(external_id="INV-1")
    assert (invoice.document_date, invoice.due_date) == (
        datetime.date(2025, 1, 15),
        datetime.date(2025, 3, 2),
    )
    assert (invoice.currency_code, invoice.amount, invoice.amount_lcy) == (
        "GBP",
        Decimal("1200.00"),
        Decimal("1200.00"),
    )
    assert (invoice.remaining_amount, invoice.remaining_amount_lcy, invoice.is_open, invoice.closed_at) == (
        Decimal("1200.00"),
        Decimal("1200.00"),
        True,
        None,
    )
    assert invoice.branch.code == "LON"  # the customer's branch when the row gives none
    memo = LedgerEntry.objects.get(external_id="CM-1")
    assert (memo.remaining_amount, memo.branch.code, memo.on_hold, memo.document_date) == (
        Decimal("-200.00"),
        "MAN",
        True,
        datetime.date(2025, 1, 19),
    )
    euro = LedgerEntry.objects.get(external_id="INV-2")
    assert (euro.currency_code, euro.amount_lcy, euro.remaining_amount_lcy) == (
        "EUR",
        Decimal("86.12"),
        Decimal("86.12"),
    )
    # Entry numbers follow the file's order (the ERP's), not the posting dates.
    assert list(LedgerEntry.objects.order_by("id").values_list("external_id", flat=True)) == [
        "INV-1",
        "CM-1",
        "INV-2",
    ]
    assert CustomerStatistics.objects.filter(customer__code__in=["C001", "C002"]).count() == 2


def test_reimport_is_idempotent_and_updates_changed_rows(customers):
    rows = HEADER + "INV-1,C001,invoice,SI0001,2025-01-15,,,Goods,,1200.00,,,\n"
    run_import("entries", rows + "INV-2,C001,invoice,SI0002,2025-01-15,,,Goods,,50.00,,,\n")
    before = dict(LedgerEntry.objects.values_list("external_id", "updated_at"))
    again = run_import("entries", rows + "INV-2,C001,invoice,SI0002,2025-01-15,,,Goods,,50.00,,,\n")
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 2)
    assert dict(LedgerEntry.objects.values_list("external_id", "updated_at")) == before
    changed = run_import("entries", rows + "INV-2,C001,invoice,SI0002,2025-01-15,,,Goods,,75.00,,,\n")
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert LedgerEntry.objects.count() == 2
    assert LedgerEntry.objects.get(external_id="INV-2").remaining_amount == Decimal("75.00")


def test_reimport_of_an_applied_entry_recomputes_remaining(customers):
    run_import(
        "entries",
        HEADER
        + "INV-1,C001,invoice,SI0001,2025-01-15,,,,,1000.00,,,\n"
        + "PAY-1,C001,payment,PMT1,2025-02-01,,,,,-400.00,,,\n",
    )
    invoice, payment = (
        LedgerEntry.objects.get(external_id="INV-1"),
        LedgerEntry.objects.get(external_id="PAY-1"),
    )
    entries_apply(
        applying_entry_id=payment.pk, applied_entry_id=invoice.pk, posting_date=datetime.date(2025, 2, 1)
    )
    result = run_import("entries", HEADER + "INV-1,C001,invoice,SI0001,2025-01-15,,,Corrected,,400.00,,,\n")
    assert (result.errors, result.updated) == ([], 1)
    invoice.refresh_from_db()
    assert (invoice.amount, invoice.remaining_amount, invoice.is_open, invoice.closed_at) == (
        Decimal("400.00"),
        Decimal("0.00"),
        False,
        datetime.date(2025, 2, 1),
    )
    too_small = run_import("entries", HEADER + "INV-1,C001,invoice,SI0001,2025-01-15,,,,,300.00,,,\n")
    assert too_small.errors == [
        {
            "row": 2,
            "column": "amount",
            "message": "Amount 300.00 is less than the 400.00 already applied to entry 'INV-1'.",
        }
    ]
    moved = run_import("entries", HEADER + "INV-1,C002,invoice,SI0001,2025-01-15,,,,,400.00,400.00,,\n")
    assert moved.errors == [
        {
            "row": 2,
            "column": "currency",
            "message": "Entry 'INV-1' has applications: its currency cannot change.",
        },
        {
            "row": 2,
            "column": "customer",
            "message": "Entry 'INV-1' has applications: its customer cannot change.",
        },
    ]
    invoice.refresh_from_db()
    assert (invoice.amount, invoice.customer.code) == (Decimal("400.00"), "C001")


GOOD = "INV-1,C001,invoice,SI0001,2025-01-15,,,,,100.00,,,"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (
            "INV-9,C001,invoice,SI9,2025-02-30,,,,,10.00,,,",
            "posting_date",
            "'2025-02-30' is not a date: use YYYY-MM-DD.",
        ),
        (
            "INV-9,C001,invoice,SI9,15/01/2025,,,,,10.00,,,",
            "posting_date",
            "'15/01/2025' is not a date: use YYYY-MM-DD.",
        ),
        (
            "INV-9,C001,invoice,SI9,2025-01-15,,20250201,,,10.00,,,",
            "due_date",
            "'20250201' is not a date: use YYYY-MM-DD.",
        ),
        ("INV-9,C404,invoice,SI9,2025-01-15,,,,,10.00,,,", "customer", "Unknown customer 'C404'."),
        (
            "INV-9,C001,invoice,SI9,2025-01-15,,,,,10.005,,,",
            "amount",
            "'10.005' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        ),
        (
            'INV-9,C001,invoice,SI9,2025-01-15,,,,,"1,000.00",,,',
            "amount",
            "'1,000.00' is not an amount: use digits with at most 2 decimals and a '.' (e.g. -1234.50).",
        ),
        ("INV-9,C001,invoice,SI9,2025-01-15,,,,,,,,", "amount", "Required."),
        (
            "INV-1,C001,invoice,SI9,2025-01-15,,,,,10.00,,,",
            "external_id",
            "External id 'INV-1' appears more than once in the file (first on row 2).",
        ),
        (
            "INV-9,C001,invoice,SI9,2025-01-15,,,,,-10.00,,,",
            "amount",
            "An invoice must have a positive amount (this is -10.00).",
        ),
        (
            "PAY-9,C001,payment,P9,2025-01-15,,,,,10.00,,,",
            "amount",
            "A payment must have a negative amount (this is 10.00).",
        ),
        (
            "INV-9,C001,bill,SI9,2025-01-15,,,,,10.00,,,",
            "document_type",
            "'bill' is not a document type: use one of invoice, credit_memo, payment, refund, "
            "finance_charge_memo, reminder.",
        ),
        (
            "INV-9,C002,invoice,SI9,2025-01-15,,,,,10.00,,,",
            "amount_lcy",
            "Required: the entry is in EUR; give its amount in GBP at the posting rate.",
        ),
        (
            "INV-9,C001,invoice,SI9,2025-01-15,,,,USD,10.00,,,",
            "amount_lcy",
            "Required: the entry is in USD; give its amount in GBP at the posting rate.",
        ),
        (
            "INV-9,C001,invoice,SI9,2025-01-15,,,,,10.00,12.00,,",
            "amount_lcy",
            "amount_lcy 12.00 differs from amount 10.00 in the local currency GBP.",
        ),
        ("INV-9,C001,invoice,SI9,2025-01-15,,,,,10.00,,BER,", "branch", "Unknown branch 'BER'."),
        ("INV-9,C001,invoice,,2025-01-15,,,,,10.00,,,", "document_no", "Required."),
    ],
)
def test_a_bad_row_is_reported_and_nothing_is_written(customers, line, column, message):
    before = counts()
    result = run_import("entries", HEADER + GOOD + "\n" + line + "\n")
    assert result.errors == [{"row": 3, "column": column, "message": message}]
    assert counts() == before == {"customers": 2, "entries": 0, "applications": 0, "credit_limit_changes": 0}


def test_errors_are_listed_for_every_bad_row_up_to_the_limit(customers):
    lines = "".join(f"INV-{i},C001,invoice,SI{i},2025-13-01,,,,,10.00,,,\n" for i in range(250))
    result = run_import("entries", HEADER + lines)
    assert len(result.errors) == 200 and result.truncated
    assert result.errors[0] == {
        "row": 2,
        "column": "posting_date",
        "message": "'2025-13-01' is not a date: use YYYY-MM-DD.",
    }
    assert result.message == "The file has 200+ errors (the first 200 are listed): nothing was imported."
    assert LedgerEntry.objects.count() == 0


def test_quoted_fields_and_a_multiline_description_keep_row_numbers(customers):
    result = run_import(
        "entries",
        HEADER
        + 'INV-1,C001,invoice,SI1,2025-01-15,,,"Two\nlines, and a comma",,10.00,,,\n'
        + "INV-2,C001,invoice,SI2,2025-01-32,,,,,10.00,,,\n",
    )
    assert result.errors == [
        {"row": 4, "column": "posting_date", "message": "'2025-01-32' is not a date: use YYYY-MM-DD."}
    ]
    fixed = run_import(
        "entries", HEADER + 'INV-1,C001,invoice,SI1,2025-01-15,,,"Two\nlines, and a comma",,10.00,,,\n'
    )
    assert fixed.errors == []
    assert LedgerEntry.objects.get().description == "Two\nlines, and a comma"
