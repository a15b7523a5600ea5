"""Aging API: stored statistics per customer, tenant KPIs with history, recalculation runs (thin)."""

import datetime
import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.cache import get_conditional_response
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from creditcontrol.api import TenantAPIMixin
from creditcontrol.errors import DomainError
from creditcontrol.models import Membership, Role
from creditcontrol.tenancy import current_tenant, role_at_least

from . import selectors, services
from .figures import FIGURE_COLUMNS
from .filters import ORDERING_FIELDS, CustomerStatisticsFilter, RecalculationRunFilter
from .models import AgingBasis, CustomerStatistics, KpiSnapshot, RecalculationRun
from .pagination import StatisticsPagination
from .services.recalculation import recalculation_runs_settle
from .versions import statistics_version


class CustomerStatisticsSerializer(serializers.ModelSerializer):
    """Read-only. A list page writes 50 rows of some 40 fields, and DRF's field machinery was half of its
    time: the money, counts and flags are written straight from the row, the rest by their fields
    (`tests/aging/test_api.py` compares the answer with DRF's own, field by field)."""

    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    account_statuses = serializers.ListField(child=serializers.CharField(), read_only=True)

    def to_representation(self, instance):
        writers = self._writers()
        return {name: write(instance) for name, write in writers}

    def _writers(self) -> list:
        """(name, function of the row) per field, made once per serializer (a list shares its child's)."""
        if getattr(self, "_row_writers", None) is None:
            self._row_writers = [(name, _writer(name, field)) for name, field in self.fields.items()]
        return self._row_writers

    class Meta:
        model = CustomerStatistics
        fields = [
            "customer",
            "customer_code",
            "customer_name",
            "as_of_date",
            "calculated_at",
            "is_stale",
            *FIGURE_COLUMNS,
            "account_statuses",
        ]
        read_only_fields = fields


def _writer(name: str, field):
    """How one field of a statistics row is written: the stored value itself where DRF would only copy
    it (numbers of two decimals as their strings, counts, flags, text), else the field's own
    `to_representation`."""
    as_string = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if isinstance(field, serializers.DecimalField) and as_string and field.decimal_places == 2:

        def write(row, attribute=field.source):
            value = getattr(row, attribute)
            return None if value is None else f"{value:.2f}"

        return write
    if type(field) in (serializers.IntegerField, serializers.BooleanField, serializers.CharField) and (
        "." not in field.source and field.source != "*"
    ):
        return lambda row, attribute=field.source: getattr(row, attribute)
    if name == "customer":
        return lambda row: row.customer_id
    return lambda row: None if (value := field.get_attribute(row)) is None else field.to_representation(value)


def statistics_filter_customer_ids(data: dict, *, request) -> list[int]:
    """The ids of the customers a `filter` object of the statistics API selects (its query parameters as
    JSON: `{"balance_status": "outstanding", "group": "RETAIL"}`), in the caller's scope; a bad filter is
    a 400 naming it under `filter`. Used by every endpoint that takes a filter of customers."""
    statistics = CustomerStatisticsFilter(data, queryset=CustomerStatistics.objects.all(), request=request)
    if not statistics.is_valid():
        raise serializers.ValidationError({"filter": statistics.errors})
    return list(statistics.qs.values_list("customer_id", flat=True))


@extend_schema_view(
    retrieve=extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="customer id")]
    )
)
class CustomerStatisticsViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Stored figures of each customer; filter any figure by range (`balance_lcy__gte=`), sort by any.

    Answers carry an `ETag`; sent back in `If-None-Match`, it gets `304 Not Modified` (no body, no query
    of the figures) for as long as the statistics keep their version (aging/versions.py)."""

    serializer_class = CustomerStatisticsSerializer
    pagination_class = StatisticsPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = CustomerStatisticsFilter
    ordering_fields = ORDERING_FIELDS
    ordering = ["customer__code"]

    def tenant_queryset(self):
        return selectors.statistics_list()

    def list(self, request, *args, **kwargs):
        return _revalidated(request, lambda: self._page(request))

    def retrieve(self, request, *args, **kwargs):
        return _revalidated(
            request, lambda: Response(self.get_serializer(self._as_shown([self.get_object()])[0]).data)
        )

    def _page(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self._as_shown(page), many=True).data)

    def _as_shown(self, rows) -> list:
        """The caller's figures (filters and ordering work on the stored ones, as on the credit list)."""
        return list(selectors.statistics_as_seen(rows, user=self.request.user))


def statistics_etag(request) -> str | None:
    """The ETag of an answer that reads only the tenant's stored statistics (and their customers): the
    statistics' version, and all else the answer depends on (who asks, with which role and scope, as of
    which date, the path with its query, the format). None when the version cannot be read (no cache)."""
    tenant = current_tenant()
    version = statistics_version(tenant)
    if version is None:
        return None
    membership = request._request.membership
    parts = (
        version,
        request.user.pk,
        membership.role,
        tenant.controllers_own_customers_only,
        services.as_of_date(user=request.user),
        request.get_full_path(),
        request.accepted_media_type,
    )
    return '"' + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32] + '"'


def _revalidated(request, answer):
    """`answer()` with its ETag, or 304 Not Modified when the client already holds it."""
    etag = statistics_etag(request)
    response = None
    if etag is not None:
        response = get_conditional_response(request._request, etag=etag)
    if response is None:
        response = answer()
    if etag is not None and response.status_code in (status.HTTP_200_OK, status.HTTP_304_NOT_MODIFIED):
        response["ETag"] = etag
    return response


class WorkDateSerializer(serializers.Serializer):
    work_date = serializers.DateField(allow_null=True)


class WorkDateAPIView(TenantAPIMixin, APIView):
    """The caller's work date in this tenant. PUT `{"work_date": "YYYY-MM-DD"}` sets it, `null` clears it.
    The answer says whether the tenant's aging setup ages the caller's figures as of it (`used`) and the
    as-of date the caller's figures are now read at."""

    write_role = Role.VIEWER  # a personal setting: anyone may choose their own date

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(self._state(request))

    @extend_schema(request=WorkDateSerializer, responses=OpenApiTypes.OBJECT)
    def put(self, request):
        serializer = WorkDateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.work_date_set(user=request.user, work_date=serializer.validated_data["work_date"])
        return Response(self._state(request))

    def _state(self, request) -> dict:
        work_date = (
            Membership.objects.filter(tenant=current_tenant(), user=request.user)
            .values_list("work_date", flat=True)
            .first()
        )
        return {
            "work_date": work_date,
            "used": services.aging_setup_get().use_work_date,
            "as_of_date": services.as_of_date(user=request.user),
        }


class AgingBandSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=40, allow_blank=True)
    from_days = serializers.IntegerField(allow_null=True, required=False, default=None)
    to_days = serializers.IntegerField(allow_null=True, required=False, default=None)


class AgingSetupSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=AgingBasis.choices)
    use_work_date = serializers.BooleanField()
    dso_period_days = serializers.IntegerField(min_value=1, max_value=3660)
    nightly_recalculation_time = serializers.TimeField()
    bands = AgingBandSerializer(many=True)


class AgingSetupAPIView(TenantAPIMixin, APIView):
    """The aging setup (admins): basis, work date use, DSO period, nightly time and the bands. PUT the whole
    of it; it is checked like the setup page (the bands must cover every day exactly once) and either all
    of it is saved or none; the stored figures are stale until the next recalculation."""

    write_role = Role.ADMIN

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not role_at_least(request._request.membership.role, Role.ADMIN):
            raise PermissionDenied("Only an admin reads or changes the aging setup.")

    @extend_schema(responses=AgingSetupSerializer)
    def get(self, request):
        return Response(self._state())

    @extend_schema(request=AgingSetupSerializer, responses=AgingSetupSerializer)
    def put(self, request):
        serializer = AgingSetupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        bands = [dict(band) for band in data.pop("bands")]
        problems = services.aging_bands_problems(bands)  # before anything is written, as on the page
        if problems:
            raise DomainError(problems[0], details={"bands": problems})
        services.aging_setup_update(**data)
        services.aging_bands_replace(bands=bands)
        return Response(self._state())

    def _state(self) -> dict:
        setup = services.aging_setup_get()
        return AgingSetupSerializer(
            {
                "basis": setup.basis,
                "use_work_date": setup.use_work_date,
                "dso_period_days": setup.dso_period_days,
                "nightly_recalculation_time": setup.nightly_recalculation_time,
                "bands": [
                    {"label": b.label, "from_days": b.from_days, "to_days": b.to_days}
                    for b in selectors.aging_bands()
                ],
            }
        ).data


class KpiSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = KpiSnapshot
        exclude = ["id", "tenant"]


def _plain(value):
    """Money and days as exact strings (never floats), dates as ISO strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class TenantKpiView(TenantAPIMixin, APIView):
    """The tenant's KPIs as of today (or the user's work date), the daily snapshots and CEI per month."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        since = request.query_params.get("since")
        try:
            since = datetime.date.fromisoformat(since) if since else None
        except ValueError:
            return Response({"since": ["Use YYYY-MM-DD."]}, status=status.HTTP_400_BAD_REQUEST)
        as_of = services.as_of_date(user=request.user)
        current = selectors.tenant_kpis(as_of=as_of)
        return Response(
            {
                "current": {name: _plain(value) for name, value in current.items()},
                "history": KpiSnapshotSerializer(selectors.kpi_history(since=since), many=True).data,
                "cei_by_month": [
                    {
                        "month": row["month"],
                        "cei": None if row["cei"] is None else str(row["cei"]),
                        "as_of": row["as_of"],
                    }
                    for row in selectors.cei_by_month(since=since)
                ],
            }
        )


class RecalculationRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, default=None, allow_null=True
    )
    duration_seconds = serializers.SerializerMethodField()

    class Meta:
        model = RecalculationRun
        fields = [
            "id",
            "kind",
            "status",
            "trigger",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "progress",
            "step",
            "customers_count",
            "entries_count",
            "message",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, run) -> float | None:
        return None if run.duration is None else round(run.duration.total_seconds(), 3)


class RecalculationStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RecalculationRun.Kind.choices)
    customer_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_empty=False)


class RecalculationRunViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Recalculation runs: list, status (poll it), and start (Recalculate All needs a tenant admin)."""

    serializer_class = RecalculationRunSerializer
    filterset_class = RecalculationRunFilter
    ordering_fields = ["queued_at", "started_at", "finished_at"]
    write_role = Role.CONTROLLER

    def tenant_queryset(self):
        return selectors.recalculation_runs()

    def list(self, request, *args, **kwargs):
        recalculation_runs_settle()  # a run whose worker stopped reads as failed, not as running
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        recalculation_runs_settle()
        return super().retrieve(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        start = RecalculationStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        kind = start.validated_data["kind"]
        if kind == RecalculationRun.Kind.ALL and not role_at_least(request.membership.role, Role.ADMIN):
            raise PermissionDenied("Only a tenant admin can start Recalculate All.")
        try:
            run = services.recalculation_start(
                kind=kind, user=request.user, customer_ids=start.validated_data.get("customer_ids")
            )
        except DomainError as exc:
            if exc.code != "queue_unavailable":
                raise
            # Answered here, not by the error handler, so that the failed run is kept (no rollback).
            failed = RecalculationRun.objects.get(pk=exc.details["run"])
            return Response(
                {"detail": exc.message, "code": exc.code, "run": RecalculationRunSerializer(failed).data},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(RecalculationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
