"""The IBM accounts-receivable sample loaded as invoices plus one fully applied payment each: the stored
averages must reproduce its per-customer means of DaysToSettle and DaysLate."""

import csv
import datetime
import importlib.util
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from aging import services
from aging.models import CustomerStatistics
from creditcontrol.tenancy import tenant_context
from ledger.imports import import_csv

CSV = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "ibm-accounts-receivable"
    / "WA_Fn-UseC_-Accounts-Receivable.csv"
)
_spec = importlib.util.spec_from_file_location(
    "ibm_to_csv", Path(__file__).resolve().parents[2] / "scripts" / "ibm_to_csv.py"
)
ibm_to_csv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ibm_to_csv)
convert = ibm_to_csv.convert
CENT = Decimal("0.01")


def _date(text: str) -> datetime.date:
    month, day, year = (int(part) for part in text.split("/"))
    return datetime.date(year, month, day)


def _mean(values: list[int]) -> Decimal:
    return (Decimal(sum(values)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def test_ibm_averages_match_the_data_set(tenant_a, tmp_path):
    with CSV.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2466
    with tenant_context(tenant_a):
        # Loaded as the ERP would send it: customers, invoices + payments, one application each.
        paths = convert(CSV, tmp_path)
        for kind in ("customers", "entries", "applications"):
            with open(paths[kind], "rb") as source:
                assert import_csv(kind=kind, source=source).errors == []
        run = services.recalculate_all(trigger="command")
        assert (run.customers_count, run.entries_count) == (100, 4932)

        to_settle, late = defaultdict(list), defaultdict(list)
        for row in rows:
            to_settle[row["customerID"]].append(int(row["DaysToSettle"]))
            late[row["customerID"]].append(int(row["DaysLate"]))
        stored = {s.customer.code: s for s in CustomerStatistics.objects.select_related("customer")}
        assert len(stored) == 100
        for code in sorted(to_settle):
            assert stored[code].avg_days_to_pay == _mean(to_settle[code]), code
            assert stored[code].avg_overdue_days == _mean(late[code]), code
            assert stored[code].balance_lcy == 0 and stored[code].open_invoices_count == 0
