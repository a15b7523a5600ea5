"""A file bigger than one COPY chunk (chunks of two rows here): every chunk is staged, in order, and an
error in the last chunk still leaves nothing written."""

from decimal import Decimal

import pytest

from customers.models import Customer
from ledger.imports import loader
from ledger.models import LedgerEntry

from .helpers import run_import

HEADER = "external_id,customer,document_type,document_no,posting_date,due_date,amount\n"
ROWS = [
    "E5,C001,invoice,SI5,2025-01-05,2025-02-05,50.00",
    "E1,C002,invoice,SI1,2025-01-01,2025-02-01,10.00",
    "E3,C001,payment,PM3,2025-01-03,,-30.00",
    "E2,C002,invoice,SI2,2025-01-02,2025-02-02,20.00",
]


@pytest.fixture
def small_chunks(in_tenant, monkeypatch):
    monkeypatch.setattr(loader, "COPY_CHUNK_ROWS", 2)
    Customer.objects.create(code="C001", name="Acme")
    Customer.objects.create(code="C002", name="Bolt")
    return in_tenant


def test_five_rows_in_three_chunks_are_all_written_in_file_order(small_chunks):
    result = run_import("entries", HEADER + "\n".join([*ROWS, "E4,C001,credit_memo,CM4,2025-01-04,,-40.00"]))
    assert (result.errors, result.created, result.updated, result.unchanged) == ([], 5, 0, 0)
    assert list(LedgerEntry.objects.order_by("id").values_list("external_id", "amount")) == [
        ("E5", Decimal("50.00")),
        ("E1", Decimal("10.00")),
        ("E3", Decimal("-30.00")),
        ("E2", Decimal("20.00")),
        ("E4", Decimal("-40.00")),
    ]


@pytest.mark.parametrize(
    "last, error",
    [
        (
            "E6,C001,invoice,SI6,2025-02-30,2025-03-06,60.00",
            {"row": 6, "column": "posting_date", "message": "'2025-02-30' is not a date: use YYYY-MM-DD."},
        ),
        (
            "E6,C999,invoice,SI6,2025-01-06,2025-02-06,60.00",
            {"row": 6, "column": "customer", "message": "Unknown customer 'C999'."},
        ),
        (
            "E1,C001,invoice,SI1,2025-01-01,2025-02-01,11.00",
            {
                "row": 6,
                "column": "external_id",
                "message": "External id 'E1' appears more than once in the file (first on row 3).",
            },
        ),
    ],
)
def test_an_error_in_the_last_chunk_leaves_nothing_written(small_chunks, last, error):
    result = run_import("entries", HEADER + "\n".join([*ROWS, last]))
    assert result.errors == [error]
    assert LedgerEntry.objects.count() == 0
