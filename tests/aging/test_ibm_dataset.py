"""The IBM accounts-receivable sample loaded as invoices plus one fully applied payment each: the stored
averages must reproduce its per-customer means of DaysToSettle and DaysLate."""

import csv
import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from aging import services
from aging.models import CustomerStatistics
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import Application, LedgerEntry

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "ibm-accounts-receivable"
CSV = DATA / "WA_Fn-UseC_-Accounts-Receivable.csv"
CENT = Decimal("0.01")


def _date(text: str) -> datetime.date:
    month, day, year = (int(part) for part in text.split("/"))
    return datetime.date(year, month, day)


def _mean(values: list[int]) -> Decimal:
    return (Decimal(sum(values)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.mark.skipif(not CSV.exists(), reason="shared IBM data set not present")
def test_ibm_averages_match_the_data_set(tenant_a):
    with CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2466
    with tenant_context(tenant_a):
        codes = sorted({row["customerID"] for row in rows})
        customers = {
            c.code: c
            for c in Customer.objects.bulk_create(
                Customer(tenant=tenant_a, code=code, name=code) for code in codes
            )
        }
        invoices, payments = [], []
        for row in rows:
            posted, due, settled = _date(row["InvoiceDate"]), _date(row["DueDate"]), _date(row["SettledDate"])
            amount = Decimal(row["InvoiceAmount"])
            common = {
                "tenant": tenant_a,
                "customer": customers[row["customerID"]],
                "currency_code": "GBP",
                "remaining_amount": 0,
                "remaining_amount_lcy": 0,
                "is_open": False,
                "closed_at": settled,
            }
            invoices.append(
                LedgerEntry(
                    external_id=f"INV-{row['invoiceNumber']}",
                    document_type="invoice",
                    document_no=row["invoiceNumber"],
                    posting_date=posted,
                    document_date=posted,
                    due_date=due,
                    amount=amount,
                    amount_lcy=amount,
                    **common,
                )
            )
            payments.append(
                LedgerEntry(
                    external_id=f"PAY-{row['invoiceNumber']}",
                    document_type="payment",
                    document_no=f"P{row['invoiceNumber']}",
                    posting_date=settled,
                    document_date=settled,
                    due_date=settled,
                    amount=-amount,
                    amount_lcy=-amount,
                    **common,
                )
            )
        LedgerEntry.objects.bulk_create(invoices + payments)
        Application.objects.bulk_create(
            Application(
                tenant=tenant_a,
                applying_entry=payment,
                applied_entry=invoice,
                amount=invoice.amount,
                posting_date=payment.posting_date,
            )
            for invoice, payment in zip(invoices, payments, strict=True)
        )
        run = services.recalculate_all(trigger="command")
        assert (run.customers_count, run.entries_count) == (100, 4932)

        to_settle, late = defaultdict(list), defaultdict(list)
        for row in rows:
            to_settle[row["customerID"]].append(int(row["DaysToSettle"]))
            late[row["customerID"]].append(int(row["DaysLate"]))
        stored = {s.customer.code: s for s in CustomerStatistics.objects.select_related("customer")}
        assert len(stored) == 100
        for code in codes:
            assert stored[code].avg_days_to_pay == _mean(to_settle[code]), code
            assert stored[code].avg_overdue_days == _mean(late[code]), code
            assert stored[code].balance_lcy == 0 and stored[code].open_invoices_count == 0
