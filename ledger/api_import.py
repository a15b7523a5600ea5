"""API of the ERP imports: POST a CSV file (multipart field `file`, or a text/csv body) to /import/<kind>/.

Runs at once, in the request, so it suits files of up to some tens of thousands of rows; bigger ones
go through the page (a background job) or `manage.py import_data`.
"""

import io

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from creditcontrol.api import TenantAPIMixin
from creditcontrol.errors import DomainError
from creditcontrol.models import Role

from .imports import KINDS, import_csv


class CSVParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"csv": stream.read() if stream is not None else b""}


class ImportAPIView(TenantAPIMixin, APIView):
    """Import customers, ledger entries or applications: 200 with counts, or 400 with every bad row."""

    write_role = Role.MANAGER
    parser_classes = [MultiPartParser, CSVParser]

    @extend_schema(request={"text/csv": str, "multipart/form-data": {"type": "object"}}, responses=None)
    def post(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        if "csv" in request.data:
            source = io.BytesIO(request.data["csv"])
        elif "file" in request.FILES:
            upload = request.FILES["file"]
            source = getattr(upload, "file", upload)
            source.seek(0)
        else:
            raise DomainError(
                "Send the CSV file as a multipart field named 'file', or as a text/csv body.",
                details=[{"row": 0, "column": "", "message": "No file received."}],
            )
        result = import_csv(kind=kind, source=source)
        if not result.ok:
            raise DomainError(result.message, details=result.errors, code="import_invalid")
        return Response(result.as_dict())
