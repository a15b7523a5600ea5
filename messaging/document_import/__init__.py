"""The ERP's PDFs of ledger entries in bulk: a ZIP file of `<document_no>.pdf` files (folders inside it
ignored), with a `documents.csv` manifest where numbers repeat across types or customers or the files are
named otherwise. Checked whole first; stored all together or not at all (docs/import-formats.md).

Each PDF is stored as `erp_document_store` stores one sent through the API: a new PDF of an entry replaces
its old one, and the same PDF again (same sha256) changes nothing.
"""

from .jobs import document_import_start, document_job_get, document_job_update
from .loader import DocumentImportResult, documents_import
from .zips import document_import_check

__all__ = [
    "DocumentImportResult",
    "document_import_check",
    "document_import_start",
    "document_job_get",
    "document_job_update",
    "documents_import",
]
