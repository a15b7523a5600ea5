"""Helpers for the import tests: run an import from CSV text, and count what a tenant holds."""

import io
import textwrap

from customers.models import CreditLimitChange, Customer
from ledger.imports import import_csv
from ledger.models import Application, LedgerEntry


def run_import(kind: str, csv_text: str):
    data = textwrap.dedent(csv_text).lstrip("\n").encode()
    return import_csv(kind=kind, source=io.BytesIO(data))


def counts() -> dict:
    return {
        "customers": Customer.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "applications": Application.objects.count(),
        "credit_limit_changes": CreditLimitChange.objects.count(),
    }
