"""API of the ERP imports: POST a CSV file (multipart field `file`, or a text/csv body) to /import/<kind>/,
or the same rows as a JSON list of objects (the bulk upsert: one object per row, keys = the CSV columns).
With entries, a multipart field `applications` brings their applications in the same transaction.

Runs at once, in the request, so it suits files of up to some tens of thousands of rows; bigger ones
go through the page (a background job) or `manage.py import_data`.
"""

import csv
import io

from django.http import Http404, QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from creditcontrol.api import TenantAPIMixin
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.parsers import JSONParser

from .imports import KINDS, import_csv, import_feed
from .imports.formats import FORMATS
from .imports.loader import NUL_MESSAGE


class CSVParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"csv": stream.read() if stream is not None else b""}


class ImportAPIView(TenantAPIMixin, APIView):
    """Import customers, ledger entries or applications: 200 with counts, or 400 with every bad row."""

    write_role = Role.MANAGER
    parser_classes = [MultiPartParser, CSVParser, JSONParser]

    @extend_schema(request={"text/csv": str, "multipart/form-data": {"type": "object"}}, responses=None)
    def post(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        if isinstance(request.data, list):
            return self._bulk_upsert(kind, request.data)
        if isinstance(request.data, dict | QueryDict) and isinstance(request.data.get("csv"), bytes):
            source = io.BytesIO(request.data["csv"])  # a text/csv body (CSVParser)
        elif "file" in request.FILES:
            upload = request.FILES["file"]
            source = getattr(upload, "file", upload)
            source.seek(0)
        else:
            raise DomainError(
                "Send the CSV file as a multipart field named 'file', or as a text/csv body.",
                details=[{"row": 0, "column": "", "message": "No file received."}],
            )
        sources = {kind: source}
        if "applications" in request.FILES:
            if kind != "entries":
                raise DomainError(
                    "Applications can come with a file of ledger entries only.",
                    details=[{"row": 0, "column": "", "message": "Send 'applications' to /import/entries/."}],
                )
            sources["applications"] = getattr(
                request.FILES["applications"], "file", request.FILES["applications"]
            )
            sources["applications"].seek(0)
        result = import_feed(sources)
        if not result.ok:
            raise DomainError(result.message, details=result.errors, code="import_invalid")
        return Response(result.as_dict())

    def _bulk_upsert(self, kind: str, rows: list):
        """JSON rows go through the CSV path, so they get the same checks, messages and idempotency."""
        columns = FORMATS[kind].columns
        problems = [
            {"index": index, "row": index + 2, "column": "", "message": "Each item must be an object."}
            for index, item in enumerate(rows)
            if not isinstance(item, dict)
        ]
        unknown = sorted({key for item in rows if isinstance(item, dict) for key in item} - set(columns))
        problems += [{"index": None, "row": 0, "column": key, "message": "Unknown field."} for key in unknown]
        problems += [
            {"index": index, "row": index + 2, "column": str(key), "message": NUL_MESSAGE}
            for index, item in enumerate(rows)
            if isinstance(item, dict)
            for key, value in item.items()
            if "\x00" in str(key) or "\x00" in _csv_value(value)
        ]
        if not rows:
            problems.append({"index": None, "row": 0, "column": "", "message": "The list is empty."})
        if problems:
            raise DomainError(
                "The request has errors: nothing was imported.", details=problems, code="import_invalid"
            )
        header = [c for c in columns if any(c in item for item in rows)]
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(header)
        for item in rows:
            writer.writerow([_csv_value(item.get(column)) for column in header])
        result = import_csv(kind=kind, source=io.BytesIO(text.getvalue().encode()))
        for error in result.errors:  # row 2 of the CSV is the list's first item
            error["index"] = error["row"] - 2 if error["row"] >= 2 else None
        if not result.ok:
            raise DomainError(result.message, details=result.errors, code="import_invalid")
        return Response(result.as_dict())


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)
