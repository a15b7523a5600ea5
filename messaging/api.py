"""The messaging API: send or queue statements and messages (one customer, a list, or a filter of
customers: always a batch), read messages and batches, release or discard from the outbox, report a
provider's delivery events (with a manager's API token, or signed with the tenant's secret), and put the ERP's
own PDF of an entry (one, or a zip of them as a job)."""

import io

import django_filters
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aging.api import statistics_filter_customer_ids
from aging.services import as_of_date
from creditcontrol import auditing
from creditcontrol.api import TenantAPIMixin
from creditcontrol.errors import DomainError
from creditcontrol.exports import attachment
from creditcontrol.models import Role, Tenant
from creditcontrol.parsers import JSONParser
from creditcontrol.tenancy import role_at_least, tenant_context
from ledger.models import LedgerEntry

from . import documents, print_runs, selectors, services, webhooks
from .document_import import document_import_start, document_job_get
from .models import (
    Batch,
    Channel,
    Document,
    DocumentKind,
    EventSigningSecret,
    Message,
    MessageStatus,
    PrintRun,
    Purpose,
)
from .views import print_run_pdf_response


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
            "provider_id",
            "interaction",
            "print_run",
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


class PrintRunLetterSerializer(serializers.Serializer):
    message = serializers.IntegerField(source="pk")
    customer = serializers.IntegerField(source="customer_id")
    customer_code = serializers.CharField(source="customer.code")
    customer_name = serializers.CharField(source="customer.name")
    address = serializers.CharField(source="customer.address")
    recipient = serializers.CharField()
    subject = serializers.CharField()
    message_status = serializers.CharField(source="status")


class PrintRunSerializer(serializers.ModelSerializer):
    letters = serializers.SerializerMethodField()
    done = serializers.SerializerMethodField(help_text="Letters rendered so far (all of them once finished)")

    class Meta:
        model = PrintRun
        fields = [
            "id", "status", "status_reason", "count", "done", "pages", "created_at", "finished_at", "letters",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PrintRunLetterSerializer(many=True))
    def get_letters(self, run):
        letters = run.letters.select_related("customer").order_by(*print_runs.LETTER_ORDER)
        return PrintRunLetterSerializer(letters, many=True).data

    def get_done(self, run) -> int:
        return print_runs.print_run_progress(run)


class PrintRunViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Print runs: POST takes every queued letter no run holds into a new run (a worker makes their PDF and
    marks them sent; 400 "No letters are waiting to be printed." when none waits); GET follows it; `pdf/`
    downloads the finished run's PDF."""

    serializer_class = PrintRunSerializer

    def tenant_queryset(self):
        return selectors.print_runs()

    @extend_schema(request=None, responses={201: PrintRunSerializer})
    def create(self, request, *args, **kwargs):
        run = print_runs.print_run_start(user=request.user)
        return Response(PrintRunSerializer(self.tenant_queryset().get(pk=run.pk)).data, status=201)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The finished run's PDF (a 404 while it runs or when it failed)."""
        return print_run_pdf_response(self.get_object())


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


class SignedEventResultSerializer(serializers.Serializer):
    message_id = serializers.CharField(help_text="As the event named it")
    event = serializers.CharField()
    message = serializers.IntegerField(source="message.pk", help_text="The message's id here")
    status = serializers.CharField(source="message.status", help_text="The message's status now")
    changed = serializers.BooleanField(help_text="False: the message already showed it (or cannot take it)")


class SignedEventSerializer(EventSerializer):
    message_id = serializers.CharField(
        max_length=200, help_text="The Message-ID the e-mail went out with, or the SMS provider's id"
    )


# How many events one signed request may carry.
SIGNED_EVENTS_MAX = 1000


def _refused(error: webhooks.BadSignature) -> Response:
    return Response({"detail": error.message, "code": error.code}, status=status.HTTP_401_UNAUTHORIZED)


class SignedMessageEventView(APIView):
    """A provider's delivery events, signed with the tenant's secret instead of an API token
    (`messaging.webhooks`): one event, or a list of them, applied all or none. Nobody signs in here: the
    tenant is the URL's, and only its secret's signature lets the request in."""

    authentication_classes: list = []
    permission_classes: list = []
    parser_classes = [JSONParser]  # what the schema offers; the body is read as it was signed, below

    @extend_schema(
        request=SignedEventSerializer(many=True),
        responses={200: SignedEventResultSerializer(many=True)},
        description="Header `X-Credit-Control-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
        '"<t>.<raw body>" with the tenant\'s signing secret>`. The body is one event (answered with one '
        "result) or a list of them (answered with a list). 401: the signature is missing, wrong, or more "
        "than 5 minutes old; 404: an event names no message of the tenant (nothing applied).",
    )
    def post(self, request):
        body = request.body  # the bytes as they were signed (read before anything parses them)
        try:
            timestamp, signatures = webhooks.parse(request.headers.get(webhooks.HEADER))
            webhooks.check_time(timestamp)
        except webhooks.BadSignature as error:
            return _refused(error)
        tenant = Tenant.objects.filter(slug=request._request.tenant_slug).first()
        if tenant is None:  # told apart from a tenant without a secret by nothing
            return _refused(webhooks.BadSignature("The signature does not match.", "signature_mismatch"))
        with tenant_context(tenant):
            secret = EventSigningSecret.objects.values_list("secret", flat=True).first()
            try:
                webhooks.check(secret, timestamp, signatures, body)
            except webhooks.BadSignature as error:
                return _refused(error)
            return self._apply(body)

    def _apply(self, body: bytes) -> Response:
        data = JSONParser().parse(io.BytesIO(body))  # malformed or too deep: a 400 like anywhere in the API
        many = isinstance(data, list)
        if many and not 1 <= len(data) <= SIGNED_EVENTS_MAX:
            text = f"Send from 1 to {SIGNED_EVENTS_MAX} events."
            return Response({"detail": text}, status=status.HTTP_400_BAD_REQUEST)
        form = SignedEventSerializer(data=data, many=many)
        form.is_valid(raise_exception=True)
        events = form.validated_data if many else [form.validated_data]
        token = auditing.enter(source=auditing.API, user="Signed delivery events")
        try:
            results = services.message_events(events=events)
        except services.UnknownMessages as error:
            answer = {"detail": error.message, "code": error.code, "unknown": error.ids}
            return Response(answer, status=status.HTTP_404_NOT_FOUND)
        finally:
            auditing.leave(token)
        answer = [
            SignedEventResultSerializer(
                {
                    "message_id": item["message_id"],
                    "event": r.event,
                    "message": r.message,
                    "changed": r.changed,
                }
            ).data
            for item, r in zip(events, results, strict=True)
        ]
        return Response(answer if many else answer[0])


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


class DocumentImportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="queued, running, done or failed")
    file_name = serializers.CharField()
    phase = serializers.CharField()
    percent = serializers.IntegerField()
    rows_done = serializers.IntegerField(help_text="files checked or stored so far")
    rows_total = serializers.IntegerField(help_text="PDFs in the zip")
    result = serializers.JSONField(
        allow_null=True,
        help_text="When done: ok, detail, files, stored, replaced, unchanged and errors "
        "(each with file, row, column, message); nothing is stored when there are errors.",
    )
    url = serializers.CharField()


def _job_data(request, job_id: str, job: dict) -> dict:
    url = reverse("document-import-job-api", kwargs={"tenant_slug": request.tenant.slug, "job_id": job_id})
    return {"id": job_id, **job, "url": url}


class DocumentImportView(TenantAPIMixin, APIView):
    """A zip of the ERP's PDFs (multipart `file`), imported by a background job: 202 with the job, or 400
    listing every problem of a zip that cannot be imported (not a zip, a zip bomb, a name outside it)."""

    write_role = Role.MANAGER
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        },
        responses={202: DocumentImportJobSerializer},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"file": ["Send the ZIP file as the multipart field file."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        job_id = document_import_start(tenant=request.tenant, upload=upload, user=request.user)
        job = document_job_get(tenant_id=request.tenant.pk, job_id=job_id)
        return Response(_job_data(request, job_id, job), status=status.HTTP_202_ACCEPTED)


class DocumentImportJobView(TenantAPIMixin, APIView):
    """A documents import job: its progress, then its result."""

    write_role = Role.MANAGER

    @extend_schema(responses=DocumentImportJobSerializer)
    def get(self, request, job_id):
        if not role_at_least(request.membership.role, Role.MANAGER):
            raise PermissionDenied("The imports are a manager's.")
        job = document_job_get(tenant_id=request.tenant.pk, job_id=str(job_id))
        if job is None:
            raise Http404
        return Response(_job_data(request, str(job_id), job))
