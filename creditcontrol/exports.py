"""CSV the product writes: streamed, and safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=HYPERLINK(...)` in a customer's name runs when the export is opened), so such a
cell is written with a leading apostrophe, which the spreadsheet shows as text. A number stays a number:
`-50.00` is a credit balance, not a formula.
"""

import csv
import re
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from .tenancy import current_tenant, tenant_context

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
_NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?$")


def cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def attachment(filename: str) -> str:
    """A Content-Disposition value for a download: the name keeps letters, digits, `.`, `_` and `-` (a
    customer code may hold anything, and a line break in a header is refused with a 500)."""
    return f'attachment; filename="{_UNSAFE_IN_FILENAME.sub("-", filename)}"'


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: list, rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed CSV download of `header` and `rows`, every cell neutralised.

    The rows are read while the response is sent, after the view has returned and the request has left
    its tenant: they are read in the view's tenant again, which the database's policies require.
    """
    writer = csv.writer(_Echo())
    tenant = current_tenant()

    def lines():
        with tenant_context(tenant):
            yield writer.writerow([cell(value) for value in header])
            for row in rows:
                yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment(filename)
    return response
