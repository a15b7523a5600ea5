"""The shared IBM data set loads through the three import formats, exactly."""

import csv
import datetime
import importlib.util
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from customers.models import Customer
from ledger.imports import import_csv
from ledger.models import Application, LedgerEntry

_spec = importlib.util.spec_from_file_location(
    "ibm_to_csv", Path(__file__).resolve().parents[2] / "scripts" / "ibm_to_csv.py"
)
ibm_to_csv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ibm_to_csv)
DEFAULT_SOURCE, convert = ibm_to_csv.DEFAULT_SOURCE, ibm_to_csv.convert


def _us(value):
    return datetime.datetime.strptime(value, "%m/%d/%Y").date()


def test_ibm_data_set_loads_in_full(in_tenant, tmp_path):
    paths = convert(DEFAULT_SOURCE, tmp_path)
    results = {}
    for kind in ("customers", "entries", "applications"):
        with open(paths[kind], "rb") as source:
            results[kind] = import_csv(kind=kind, source=source)
        assert results[kind].errors == []
    assert (results["customers"].created, results["entries"].created, results["applications"].created) == (
        100,
        4932,
        2466,
    )

    with open(DEFAULT_SOURCE, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2466
    assert Customer.objects.count() == 100
    invoices = LedgerEntry.objects.filter(document_type="invoice")
    payments = LedgerEntry.objects.filter(document_type="payment")
    assert invoices.count() == 2466
    assert payments.count() == 2466
    assert Application.objects.count() == 2466
    total = sum(Decimal(r["InvoiceAmount"]) for r in rows)
    assert invoices.aggregate(s=Sum("amount"))["s"] == total
    assert invoices.aggregate(s=Sum("amount_lcy"))["s"] == total
    assert payments.aggregate(s=Sum("amount"))["s"] == -total
    assert Application.objects.aggregate(s=Sum("amount"))["s"] == total
    assert not LedgerEntry.objects.filter(is_open=True).exists()
    assert LedgerEntry.objects.aggregate(s=Sum("remaining_amount"))["s"] == Decimal("0.00")

    closed = dict(invoices.values_list("document_no", "closed_at"))
    assert closed == {r["invoiceNumber"]: _us(r["SettledDate"]) for r in rows}
    assert "0000611365" in closed  # invoice numbers keep their leading zeros
    due = dict(invoices.values_list("document_no", "due_date"))
    assert due == {r["invoiceNumber"]: _us(r["DueDate"]) for r in rows}
    per_customer = {}
    for r in rows:
        per_customer[r["customerID"]] = per_customer.get(r["customerID"], Decimal(0)) + Decimal(
            r["InvoiceAmount"]
        )
    assert dict(
        invoices.values("customer__code").annotate(s=Sum("amount")).values_list("customer__code", "s")
    ) == (per_customer)

    # Re-importing all three files changes nothing.
    for kind in ("customers", "entries", "applications"):
        with open(paths[kind], "rb") as source:
            again = import_csv(kind=kind, source=source)
        assert (again.errors, again.created, again.updated) == ([], 0, 0)
        assert again.unchanged == again.rows
    assert LedgerEntry.objects.count() == 4932
    assert Application.objects.count() == 2466
