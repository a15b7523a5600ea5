"""Imports of the ERP feed: customers, ledger entries and applications, as CSV files (docs/import-formats.md)."""

from .formats import KINDS
from .loader import FEED_ORDER, ImportResult, import_csv, import_feed

__all__ = ["FEED_ORDER", "KINDS", "ImportResult", "import_csv", "import_feed"]
