"""Ledger API: entries (list, post, record a payment), applications (apply, undo), balance as of a date."""

import datetime
from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from creditcontrol.api import TenantAPIMixin
from creditcontrol.asof import as_of_date
from creditcontrol.tenancy import current_tenant
from customers.api import TenantRelatedField
from customers.models import Branch, Customer

from . import selectors, services
from .api_payments import RecordPaymentSerializer, record_payment_response
from .feeds import ledger_fed
from .filters import ApplicationFilter, LedgerEntryFilter
from .models import Application, LedgerEntry, LedgerFeed


class LedgerEntrySerializer(serializers.ModelSerializer):
    entry_no = serializers.IntegerField(source="id", read_only=True)
    customer = TenantRelatedField(lambda: Customer.objects.all())
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    branch = TenantRelatedField(lambda: Branch.objects.all(), required=False, allow_null=True)
    external_id = serializers.CharField(required=False, max_length=100)
    document_date = serializers.DateField(required=False)
    due_date = serializers.DateField(required=False)
    currency_code = serializers.CharField(required=False, max_length=3)
    amount_lcy = serializers.DecimalField(max_digits=18, decimal_places=2, required=False)
    # Credit control, written by "Update selected entries" on an interaction: read only here.
    status_code = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="The status code's code"
    )
    query_resolution_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Who resolves the query (username)"
    )
    days_overdue = serializers.SerializerMethodField(
        help_text="Open entries owed: days past the due date as of today (tenant time zone), 0 if not due"
    )
    days_to_pay = serializers.SerializerMethodField(
        help_text="Closed entries owed: closed-at date − posting date"
    )
    days_late = serializers.SerializerMethodField(
        help_text="Closed entries owed: max(0, closed-at date − due date)"
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "entry_no",
            "external_id",
            "customer",
            "customer_code",
            "document_type",
            "document_no",
            "posting_date",
            "document_date",
            "due_date",
            "description",
            "currency_code",
            "amount",
            "amount_lcy",
            "remaining_amount",
            "remaining_amount_lcy",
            "is_open",
            "closed_at",
            "branch",
            "on_hold",
            "status_code",
            "promised_payment_date",
            "promised_amount",
            "promised_full_amount",
            "query_resolution_target_date",
            "query_resolution_by",
            "days_overdue",
            "days_to_pay",
            "days_late",
        ]
        read_only_fields = [
            "remaining_amount",
            "remaining_amount_lcy",
            "is_open",
            "closed_at",
            "promised_payment_date",
            "promised_amount",
            "promised_full_amount",
            "query_resolution_target_date",
        ]

    def _as_of(self):
        # The viewset puts the as-of date in the context once per request; a serializer made without it
        # (an entry returned by an action) reads today where the tenant is.
        as_of = self.context.get("as_of")
        return as_of if as_of is not None else current_tenant().today()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_overdue(self, entry):
        return selectors.entry_days_overdue(entry, as_of=self._as_of())

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_to_pay(self, entry):
        return selectors.entry_days_to_pay(entry)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_days_late(self, entry):
        return selectors.entry_days_late(entry)

    def validate_external_id(self, value):
        if LedgerEntry.objects.filter(external_id=value).exists():
            raise serializers.ValidationError(f"An entry with external id {value} already exists.")
        return value


class LedgerEntryViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Customer ledger entries. POST posts a new entry; amounts are signed from the company's side."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerEntryFilter
    ordering_fields = [
        "id",
        "posting_date",
        "due_date",
        "amount_lcy",
        "remaining_amount_lcy",
        "promised_payment_date",
        "query_resolution_target_date",
    ]
    ordering = ["posting_date", "id"]

    def tenant_queryset(self):
        return selectors.ledger_entries()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request._request, "tenant", None) is not None:
            context["as_of"] = as_of_date(user=self.request.user)
        return context

    def perform_create(self, serializer):
        serializer.instance = services.ledger_entry_post(**serializer.validated_data)
        ledger_fed(branch_ids=[serializer.instance.branch_id] if serializer.instance.branch_id else [])

    @action(
        detail=False, methods=["post"], url_path="record-payment", serializer_class=RecordPaymentSerializer
    )
    def record_payment(self, request, *args, **kwargs):
        """Post a payment received and apply it: to the invoices in `apply_to`, in that order, or oldest due
        first leaving out queried and disputed ones (docs/payments.md)."""
        return record_payment_response(request)


class ApplicationSerializer(serializers.ModelSerializer):
    applying_entry = TenantRelatedField(lambda: LedgerEntry.objects.all())
    applied_entry = TenantRelatedField(lambda: LedgerEntry.objects.all())
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, min_value=Decimal("0.01")
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    undone_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "external_id",
            "applying_entry",
            "applied_entry",
            "amount",
            "posting_date",
            "created_at",
            "created_by",
            "undone_on",
            "undone_by",
        ]
        read_only_fields = ["created_at", "undone_on"]


class UndoSerializer(serializers.Serializer):
    undone_on = serializers.DateField()


class ApplicationViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Applications of payments and credit memos to invoices. Omit the amount to apply as much as possible."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    ordering = ["posting_date", "id"]

    def tenant_queryset(self):
        return Application.objects.select_related("created_by", "undone_by")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.entries_apply(
            applying_entry_id=data["applying_entry"].pk,
            applied_entry_id=data["applied_entry"].pk,
            amount=data.get("amount"),
            posting_date=data["posting_date"],
            external_id=data.get("external_id"),
            user=self.request.user,
        )
        ledger_fed()

    @action(detail=True, methods=["post"], serializer_class=UndoSerializer)
    def undo(self, request, *args, **kwargs):
        """Unapply: the amount goes back to both entries as of `undone_on`."""
        application = self.get_object()
        serializer = UndoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        undone = services.application_undo(
            application_id=application.pk, undone_on=serializer.validated_data["undone_on"], user=request.user
        )
        return Response(ApplicationSerializer(undone).data)


class BalanceSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    as_of = serializers.DateField()
    balance_lcy = serializers.DecimalField(max_digits=18, decimal_places=2)


class BalanceViewSet(TenantAPIMixin, viewsets.ViewSet):
    """Balance (LCY) of a customer as of any date: GET /customers/<id>/balance/?as_of=YYYY-MM-DD."""

    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today (tenant time zone)")
        ],
        responses=BalanceSerializer,
    )
    def retrieve(self, request, pk=None):
        customer = get_object_or_404(Customer.objects.all(), pk=pk)
        raw = request.query_params.get("as_of")
        try:
            as_of = datetime.date.fromisoformat(raw) if raw else customer.tenant.today()
        except ValueError:
            return Response(
                {"as_of": [f"'{raw}' is not a date (use YYYY-MM-DD)."]}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(
            BalanceSerializer(
                {
                    "customer": customer.pk,
                    "as_of": as_of,
                    "balance_lcy": selectors.customer_balance_as_of(customer_id=customer.pk, as_of=as_of),
                }
            ).data
        )


class LedgerFeedSerializer(serializers.Serializer):
    branch = serializers.CharField(
        source="branch.code", required=False, allow_null=True, help_text="A branch code; none: the tenant's"
    )
    fed_at = serializers.DateTimeField(read_only=True)


class LedgerFeedView(TenantAPIMixin, generics.ListCreateAPIView):
    """When the ERP last fed the ledger (the whole tenant's: no branch; and per branch). Every import of
    entries or applications and every entry or application posted here marks it; an ERP with nothing new
    to send says it is alive with `POST {}` (or `{"branch": "LON"}` for one branch's ledger), so that
    chasing does not take its ledger for stale (docs/chasing.md)."""

    serializer_class = LedgerFeedSerializer
    pagination_class = None

    def tenant_queryset(self):
        return LedgerFeed.objects.select_related("branch").order_by("branch__code")

    @extend_schema(responses={201: LedgerFeedSerializer(many=True)})  # the whole list, as GET answers it
    def post(self, request, *args, **kwargs):
        return self.create(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code = (serializer.validated_data.get("branch") or {}).get("code")
        branch = Branch.objects.filter(code=code).first() if code else None
        if code and branch is None:
            raise serializers.ValidationError({"branch": [f"Unknown branch '{code}'."]})
        ledger_fed(branch_ids=[branch.pk] if branch else [])
        feeds = self.get_serializer(self.tenant_queryset(), many=True).data
        return Response(feeds, status=status.HTTP_201_CREATED)
