"""Imports of the ERP feed: customers, ledger entries and applications, as CSV files (docs/import-formats.md)."""

from .formats import KINDS
from .loader import ImportResult, import_csv

__all__ = ["KINDS", "ImportResult", "import_csv"]
