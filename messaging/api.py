"""The messaging API: send or queue statements and messages (one customer, a list, or a filter of
customers: always a batch), read messages and batches, release or discard from the outbox, report a
provider's delivery events, and put the ERP's own PDF of an entry."""

import django_filters
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aging.api import statistics_filter_customer_ids
from aging.services import as_of_date
from creditcontrol.api import TenantAPIMixin
from creditcontrol.errors import DomainError
from creditcontrol.exports import attachment
from creditcontrol.models import Role
from ledger.models import LedgerEntry

from . import documents, services
from .models import Batch, Channel, Document, DocumentKind, Message, MessageStatus, Purpose


class MessageFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=MessageStatus.choices)
    customer = django_filters.NumberFilter(field_name="customer_id")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Message
        fields = ["status", "customer", "channel"]


class DocumentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "filename", "size", "sha256", "created_at"]


class MessageSerializer(serializers.ModelSerializer):
    documents = DocumentRefSerializer(many=True, read_only=True)
    customer_code = serializers.CharField(source="customer.code", read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "customer",
            "customer_code",
            "channel",
            "purpose",
            "recipient",
            "sender",
            "reply_to",
            "subject",
            "body",
            "status",
            "status_reason",
            "attempts",
            "internet_message_id",
            "interaction",
            "documents",
            "created_at",
            "released_at",
            "sent_at",
            "status_at",
        ]
        read_only_fields = fields


class MessageViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Messages to customers, newest first; `status=outbox` is what waits for release."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilter

    def tenant_queryset(self):
        return Message.objects.select_related("customer").prefetch_related("documents")

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Send a message that waits in the outbox."""
        message = services.message_release(message=self.get_object(), user=request.user)
        return Response(MessageSerializer(message).data)

    @extend_schema(request=None, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        """Take a message out of the outbox unsent."""
        message = services.message_discard(message=self.get_object(), user=request.user)
        return Response(MessageSerializer(message).data)


class SendSerializer(serializers.Serializer):
    customers = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=100000
    )
    filter = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="The statistics API's filters, e.g. balance_status",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, default=Purpose.STATEMENT, help_text="statement (attached) or free"
    )
    as_of = serializers.DateField(required=False, help_text="Default: the caller's as-of date (today)")
    subject = serializers.CharField(required=False, allow_blank=True, max_length=200)
    body = serializers.CharField(required=False, max_length=20000, help_text="Default: the template's text")
    send = serializers.ChoiceField(choices=["now", "queue"], default="queue")

    def validate(self, data):
        if ("customers" in data) == ("filter" in data):
            raise serializers.ValidationError({"customers": ["Give either customers or filter."]})
        if data["purpose"] == Purpose.INVOICE_COPY:
            message = "Copies of documents are sent one customer at a time, from the customer's copies page."
            raise serializers.ValidationError({"purpose": [message]})
        return data


class BatchItemSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    customer_code = serializers.CharField(source="customer.code")
    message = serializers.IntegerField(source="message_id", allow_null=True)
    message_status = serializers.CharField(source="message.status", allow_null=True, default=None)
    skipped = serializers.CharField()
    processed = serializers.BooleanField()


class BatchSerializer(serializers.ModelSerializer):
    items = BatchItemSerializer(many=True, read_only=True)

    class Meta:
        model = Batch
        fields = [
            "id", "channel", "purpose", "as_of", "subject", "body", "send_now",
            "status", "total", "done", "created_at", "finished_at", "items",
        ]  # fmt: skip
        read_only_fields = fields


class BatchViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Messages to many customers at once. POST makes a batch (one message per customer, each made by a
    worker; customers without an address or with nothing open are skipped, each with the reason); GET
    follows its progress and results."""

    serializer_class = BatchSerializer

    def tenant_queryset(self):
        return Batch.objects.prefetch_related("items__customer", "items__message")

    @extend_schema(request=SendSerializer, responses={201: BatchSerializer})
    def create(self, request, *args, **kwargs):
        form = SendSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if "customers" in data:
            ids = data["customers"]
        else:
            ids = statistics_filter_customer_ids(data["filter"], request=request)
        template = services.template_for(purpose=data["purpose"], channel=data["channel"])
        body = data.get("body", template.body if template else "")
        subject = data.get("subject", template.subject if template else "")
        if not body:
            raise DomainError(
                "Give the message's text: there is no template for it.", details={"body": ["Required."]}
            )
        known = set(self._customers(ids))
        if set(ids) - known:
            unknown = sorted(set(ids) - known)[:20]
            raise DomainError(
                f"No such customer: {unknown}.", details={"customers": [f"No such customer: {unknown}."]}
            )
        batch = services.batch_start(
            customer_ids=ids,
            channel=data["channel"],
            purpose=data["purpose"],
            as_of=data.get("as_of") or as_of_date(user=request.user),
            subject=subject,
            body=body,
            send_now=data["send"] == "now",
            user=request.user,
        )
        batch = self.tenant_queryset().get(pk=batch.pk)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    def _customers(self, ids):
        from customers.models import Customer

        return Customer.objects.filter(pk__in=ids).values_list("pk", flat=True)


class EventSerializer(serializers.Serializer):
    message_id = serializers.CharField(max_length=200, help_text="The Message-ID the e-mail went out with")
    event = serializers.ChoiceField(choices=list(services.EVENTS))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class MessageEventView(TenantAPIMixin, APIView):
    """A mail provider's delivery event (delivered, bounced, failed) for a message it was given: posted by
    an integration member (manager or admin) with an API token."""

    write_role = Role.MANAGER

    @extend_schema(request=EventSerializer, responses=MessageSerializer)
    def post(self, request):
        form = EventSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.message_event(
            internet_message_id=form.validated_data["message_id"],
            event=form.validated_data["event"],
            reason=form.validated_data["reason"],
        )
        return Response(MessageSerializer(message).data)


class EntryDocumentView(TenantAPIMixin, APIView):
    """The ERP's own PDF of a ledger entry: PUT it (multipart `file`, at most 10 MB), GET it back."""

    parser_classes = [MultiPartParser, FormParser]

    def _entry(self, pk) -> LedgerEntry:
        return get_object_or_404(LedgerEntry.objects.select_related("customer"), pk=pk)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk):
        document = get_object_or_404(
            Document.objects.all(), entry=self._entry(pk), kind=DocumentKind.ERP_DOCUMENT
        )
        response = HttpResponse(bytes(document.content), content_type=document.content_type)
        response["Content-Disposition"] = attachment(document.filename)
        return response

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses=DocumentRefSerializer,
    )
    def put(self, request, pk):
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"file": ["Send the PDF as the multipart field file."]}, status=status.HTTP_400_BAD_REQUEST
            )
        if upload.size > documents.DOCUMENT_MAX_BYTES:
            message = (
                f"The file is {upload.size:,} bytes; at most {documents.DOCUMENT_MAX_BYTES:,} are accepted."
            )
            return Response({"file": [message]}, status=status.HTTP_400_BAD_REQUEST)
        document = documents.erp_document_store(
            entry=self._entry(pk), filename=upload.name, content=upload.read(), user=request.user
        )
        return Response(DocumentRefSerializer(document).data)
