"""Interactions API: status codes, interactions with their lines, update selected entries, to-dos, promises."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from creditcontrol.api import IdField, TenantAPIMixin
from creditcontrol.models import Role
from customers.api import TenantRelatedField, tenant_users
from customers.models import Contact, Customer

from . import selectors, services
from .filters import InteractionFilter, PromiseFilter, ToDoFilter
from .models import Interaction, InteractionLine, Promise, StatusCode, ToDo, ToDoKind


class StatusCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusCode
        fields = [
            "id",
            "code",
            "description",
            "promised",
            "queried",
            "query_resolution_by_me",
            "exclude_from_chasing",
        ]
        # The service checks uniqueness per tenant (and says so clearly); the model validator would not.
        validators = []


class StatusCodeViewSet(TenantAPIMixin, viewsets.ModelViewSet):
    """The tenant's status codes (tenant admins change them)."""

    serializer_class = StatusCodeSerializer
    write_role = Role.ADMIN
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return StatusCode.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.status_code_create(**serializer.validated_data)

    def perform_update(self, serializer):
        services.status_code_update(status_code=serializer.instance, **serializer.validated_data)


class InteractionLineSerializer(serializers.ModelSerializer):
    entry_no = serializers.IntegerField(source="entry.id", read_only=True)
    document_type = serializers.CharField(source="entry.document_type", read_only=True)
    document_no = serializers.CharField(source="entry.document_no", read_only=True)
    due_date = serializers.DateField(source="entry.due_date", read_only=True)
    currency_code = serializers.CharField(source="entry.currency_code", read_only=True)
    amount = serializers.DecimalField(source="entry.amount", max_digits=18, decimal_places=2, read_only=True)
    remaining_amount = serializers.DecimalField(
        source="entry.remaining_amount", max_digits=18, decimal_places=2, read_only=True
    )
    remaining_amount_lcy = serializers.DecimalField(
        source="entry.remaining_amount_lcy", max_digits=18, decimal_places=2, read_only=True
    )
    is_open = serializers.BooleanField(source="entry.is_open", read_only=True)
    status_code = serializers.CharField(
        source="entry.status_code.code", read_only=True, default=None, allow_null=True
    )
    promised_payment_date = serializers.DateField(
        source="entry.promised_payment_date", read_only=True, allow_null=True
    )
    promised_amount = serializers.DecimalField(
        source="entry.promised_amount", max_digits=18, decimal_places=2, read_only=True, allow_null=True
    )
    promised_full_amount = serializers.BooleanField(source="entry.promised_full_amount", read_only=True)
    query_resolution_target_date = serializers.DateField(
        source="entry.query_resolution_target_date", read_only=True, allow_null=True
    )
    query_resolution_by = serializers.CharField(
        source="entry.query_resolution_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = InteractionLine
        fields = [
            "entry_no",
            "selected",
            "document_type",
            "document_no",
            "due_date",
            "currency_code",
            "amount",
            "remaining_amount",
            "remaining_amount_lcy",
            "is_open",
            "status_code",
            "promised_payment_date",
            "promised_amount",
            "promised_full_amount",
            "query_resolution_target_date",
            "query_resolution_by",
        ]


class InteractionSerializer(serializers.ModelSerializer):
    customer = TenantRelatedField(lambda: Customer.objects.all())
    contact = TenantRelatedField(lambda: Contact.objects.all(), required=False, allow_null=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, default=None)
    contact_phone = serializers.CharField(source="contact.phone", read_only=True, default=None)
    contact_email = serializers.CharField(source="contact.email", read_only=True, default=None)
    controller = serializers.SlugRelatedField(slug_field="username", read_only=True)
    occurred_at = serializers.DateTimeField(required=False)
    entries = serializers.ListField(
        child=IdField(),
        write_only=True,
        required=False,
        help_text="Default: every open entry",
    )
    lines = InteractionLineSerializer(many=True, read_only=True)
    caption = serializers.SerializerMethodField()
    selected_remaining_amount = serializers.SerializerMethodField()
    selected_remaining_amount_lcy = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "caption",
            "customer",
            "interaction_type",
            "occurred_at",
            "description",
            "contact",
            "contact_name",
            "contact_phone",
            "contact_email",
            "notes",
            "next_interaction_date",
            "controller",
            "entries",
            "lines",
            "selected_remaining_amount",
            "selected_remaining_amount_lcy",
            "created_at",
        ]

    def get_caption(self, obj) -> str:
        return obj.caption(timezone.get_current_timezone())

    def _selected(self, obj):
        return [line.entry for line in obj.lines.all() if line.selected]

    def get_selected_remaining_amount(self, obj) -> str | None:
        entries = self._selected(obj)
        if len({e.currency_code for e in entries}) > 1:
            return None  # a sum across currencies means nothing; the LCY twin still adds up
        return f"{sum((e.remaining_amount for e in entries), 0):.2f}"

    def get_selected_remaining_amount_lcy(self, obj) -> str:
        return f"{sum((e.remaining_amount_lcy for e in self._selected(obj)), 0):.2f}"


class InteractionUpdateSerializer(InteractionSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)


class SelectLinesSerializer(serializers.Serializer):
    entries = serializers.ListField(child=IdField(), allow_empty=False)
    selected = serializers.BooleanField()


class UpdateEntriesSerializer(serializers.Serializer):
    status_code = TenantRelatedField(lambda: StatusCode.objects.all(), allow_null=True)
    entries = serializers.ListField(child=IdField(), required=False, help_text="Default: the selected lines")
    promised_full_amount = serializers.BooleanField(required=False, default=False)
    promised_amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True
    )
    promised_payment_date = serializers.DateField(required=False, allow_null=True)
    query_resolution_target_date = serializers.DateField(required=False, allow_null=True)
    query_resolution_by = TenantRelatedField(tenant_users, required=False, allow_null=True)


class PromiseSerializer(serializers.ModelSerializer):
    controller = serializers.SlugRelatedField(slug_field="username", read_only=True)
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Promise
        fields = [
            "id",
            "customer",
            "interaction",
            "controller",
            "promised_payment_date",
            "promised_amount",
            "promised_full_amount",
            "currency_code",
            "status",
            "paid_amount",
            "evaluated_on",
            "settled_on",
            "created_at",
            "entries",
        ]
        read_only_fields = fields

    def get_entries(self, obj) -> list[int]:
        return [pe.entry_id for pe in obj.promise_entries.all()]


class ToDoSerializer(serializers.ModelSerializer):
    customer = TenantRelatedField(lambda: Customer.objects.all())
    kind = serializers.ChoiceField(
        choices=[ToDoKind.MANUAL, ToDoKind.NOTE_REMINDER], required=False, default=ToDoKind.MANUAL
    )
    assigned_to = TenantRelatedField(tenant_users, required=False, allow_null=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    entries = serializers.ListField(child=IdField(), required=False, write_only=True)
    watched_entries = serializers.SerializerMethodField()

    class Meta:
        model = ToDo
        fields = [
            "id",
            "customer",
            "kind",
            "description",
            "notes",
            "due_date",
            "assigned_to",
            "status",
            "closed_at",
            "closed_by",
            "closed_reason",
            "outcome",
            "interaction",
            "promise",
            "entries",
            "watched_entries",
            "created_at",
            "created_by",
        ]
        read_only_fields = [
            "status",
            "closed_at",
            "closed_reason",
            "outcome",
            "interaction",
            "promise",
            "created_at",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["kind"] = instance.kind  # the automatic kinds too, which cannot be created here
        return data

    def get_watched_entries(self, obj) -> list[int]:
        return [w.entry_id for w in obj.watched.all()]


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=250, required=False, default="", allow_blank=True)


class InteractionViewSet(
    TenantAPIMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Interactions with their lines. POST creates one (lines: `entries`, else every open entry)."""

    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def tenant_queryset(self):
        return Interaction.objects.select_related("customer", "contact", "controller").prefetch_related(
            "lines__entry__status_code", "lines__entry__query_resolution_by"
        )

    def get_serializer_class(self):
        if self.action == "partial_update":
            return InteractionUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        entries = data.pop("entries", None)
        serializer.instance = services.interaction_create(user=self.request.user, entry_ids=entries, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("entries", None)
        services.interaction_update(interaction=serializer.instance, user=self.request.user, **data)

    def _fresh(self, pk):
        return self.tenant_queryset().get(pk=pk)

    @action(detail=True, methods=["post"], url_path="select-lines", serializer_class=SelectLinesSerializer)
    def select_lines(self, request, *args, **kwargs):
        """Tick (`selected: true`) or untick lines by entry no.; answers with the interaction and its totals."""
        interaction = self.get_object()
        serializer = SelectLinesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.interaction_lines_select(
            interaction=interaction,
            **{
                "entry_ids": serializer.validated_data["entries"],
                "selected": serializer.validated_data["selected"],
            },
        )
        return Response(
            InteractionSerializer(self._fresh(interaction.pk), context=self.get_serializer_context()).data
        )

    @action(
        detail=True, methods=["post"], url_path="update-entries", serializer_class=UpdateEntriesSerializer
    )
    def update_entries(self, request, *args, **kwargs):
        """Update selected entries: a status code and its promise or query fields (see docs/interactions.md)."""
        interaction = self.get_object()
        serializer = UpdateEntriesSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        result = services.entries_update(
            interaction=interaction, user=request.user, entry_ids=data.pop("entries", None), **data
        )
        fresh = self._fresh(interaction.pk)
        return Response(
            {
                "interaction": InteractionSerializer(fresh, context=self.get_serializer_context()).data,
                "promise": PromiseSerializer(result["promise"]).data if result["promise"] else None,
                "todos": ToDoSerializer(result["todos"], many=True).data,
            }
        )


class ToDoViewSet(TenantAPIMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """To-dos by due date. Filters: owner=mine|all, state=open|overdue|closed|any, customer, kind."""

    serializer_class = ToDoSerializer
    filterset_class = ToDoFilter
    ordering = ["due_date", "id"]

    def tenant_queryset(self):
        return ToDo.objects.select_related("closed_by", "created_by").prefetch_related("watched")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.todo_create(
            user=self.request.user, entry_ids=data.pop("entries", ()), **data
        )

    @action(detail=True, methods=["post"], serializer_class=CloseSerializer)
    def close(self, request, *args, **kwargs):
        todo = self.get_object()
        serializer = CloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.todo_close(todo=todo, user=request.user, reason=serializer.validated_data["reason"])
        return Response(ToDoSerializer(self.tenant_queryset().get(pk=todo.pk)).data)


class KeptRateSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    kept = serializers.IntegerField()
    broken = serializers.IntegerField()
    pending = serializers.IntegerField()
    kept_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)


class PromiseViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Promises to pay: pending, kept, broken (or replaced by a newer one)."""

    serializer_class = PromiseSerializer
    filterset_class = PromiseFilter

    def tenant_queryset(self):
        return Promise.objects.select_related("controller").prefetch_related("promise_entries")

    @extend_schema(
        parameters=[OpenApiParameter("by", str, enum=["customer", "controller"])],
        responses=KeptRateSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="kept-rates", pagination_class=None)  # one row a head
    def kept_rates(self, request, *args, **kwargs):
        """Kept rate (kept ÷ (kept + broken), percent) per customer or per controller."""
        by = request.query_params.get("by", "customer")
        if by not in ("customer", "controller"):
            return Response({"by": ["Use customer or controller."]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(KeptRateSerializer(selectors.promise_kept_rates(by=by), many=True).data)


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    who = serializers.CharField(allow_blank=True)
    object_id = serializers.IntegerField()


class CustomerTimelineView(TenantAPIMixin, APIView):
    """A customer's timeline, newest first: interactions, to-dos, promises, postings, credit-limit changes."""

    @extend_schema(responses=TimelineEventSerializer(many=True))
    def get(self, request, pk):
        customer = get_object_or_404(Customer.objects.all(), pk=pk)
        events = selectors.customer_timeline(customer_id=customer.pk)
        for event in events:
            obj = next(
                event[k]
                for k in ("interaction", "todo", "promise", "entry", "application", "change")
                if k in event
            )
            event["object_id"] = obj.pk
        return Response(TimelineEventSerializer(events, many=True).data)
