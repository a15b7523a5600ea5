"""The API's record-payment endpoint (`POST entries/record-payment/`): the same service, rules and messages
as the record-payment page (`ledger.services.payment_record`, docs/payments.md).

Amounts are read as the client wrote them: a JSON number keeps its text (`1e3` stays `1e3` and is refused,
it does not become 1000.0), so a string and a number are checked alike.
"""

import codecs
import json

from django.http.request import RawPostDataException
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant

from creditcontrol.api import IdField
from customers.api import TenantRelatedField
from customers.models import Customer

from . import services


@extend_schema_field(OpenApiTypes.STR)
class AmountField(serializers.Field):
    """An amount as text (a string, or a JSON number's own digits); `payment_record` parses it strictly."""

    default_error_messages = {"invalid": "Enter a number."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        text = str(data)
        if len(text) > 100:
            self.fail("invalid")
        return text

    def to_representation(self, value):
        return str(value)


class RecordPaymentSerializer(serializers.Serializer):
    customer = TenantRelatedField(lambda: Customer.objects.all(), pk_field=serializers.IntegerField())
    amount = AmountField(help_text="Positive, at most 2 decimals, a decimal point: '500.00'")
    amount_lcy = AmountField(
        required=False,
        allow_null=True,
        help_text="Required for a currency other than the tenant's: the amount in local currency",
    )
    posting_date = serializers.DateField(help_text="Not after today, not before the customer's first entry")
    document_no = serializers.CharField(max_length=40)
    currency_code = serializers.CharField(
        max_length=3, required=False, help_text="Default: the customer's currency"
    )
    description = serializers.CharField(max_length=250, required=False, default="")
    external_id = serializers.CharField(max_length=100, required=False)
    apply_to = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        max_length=1000,
        help_text="Entry nos. to pay, in that order ([] leaves it on account); "
        "omitted: oldest due first, leaving out queried and disputed entries",
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Record it although a payment with this reference and amount exists",
    )


def _data_with_numbers_as_text(request):
    """The request's body, JSON numbers kept as their text; DRF's parsed data for any other body."""
    if request.content_type and request.content_type.split(";")[0].strip() == "application/json":
        try:
            body = request.body
        except RawPostDataException:  # already read by DRF: its parse will do
            return request.data
        try:
            return json.loads(
                codecs.decode(body, request.encoding or "utf-8"),
                parse_float=str,
                parse_int=str,
                parse_constant=strict_constant,
            )
        except (ValueError, RecursionError):
            pass  # DRF's parser answers malformed JSON with its 400
    return request.data


def record_payment_response(request) -> Response:
    """Post a payment received and apply it (201), or say why not (400, each field named)."""
    # The serializers of an entry and an application live with the ledger's viewsets, which import this.
    from .api import ApplicationSerializer, LedgerEntrySerializer

    serializer = RecordPaymentSerializer(
        data=_data_with_numbers_as_text(request), context={"request": request}
    )
    serializer.is_valid(raise_exception=True)
    recorded = services.payment_record(user=request.user, **serializer.validated_data)
    payment = recorded.payment
    payment.refresh_from_db()
    return Response(
        {
            "payment": LedgerEntrySerializer(payment).data,
            "applications": ApplicationSerializer(recorded.applications, many=True).data,
            "paid": [
                {"entry_no": entry.pk, "document_no": entry.document_no, "amount": f"{amount:.2f}"}
                for entry, amount in recorded.paid
            ],
            "on_account": f"{recorded.on_account:.2f}",
            "left_out": [
                {"entry_no": left.entry.pk, "document_no": left.entry.document_no, "reason": left.reason}
                for left in recorded.left_out
            ],
            "summary": recorded.summary,
        },
        status=status.HTTP_201_CREATED,
    )
