"""The chasing API: policies and their levels, the schedule, runs (start one for all customers, a list or a
filter of them; review its reminders: release, drop, edit; close it), pauses of customers or a group, and
a customer's own chasing (its policy, exclusion, pause, the level of each open item, its reminders)."""

from decimal import Decimal

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from aging.api import statistics_filter_customer_ids
from creditcontrol import bounds
from creditcontrol.api import IdField, TenantAPIMixin
from creditcontrol.asof import as_of_date
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.tenancy import role_at_least
from customers.api import TenantRelatedField
from customers.models import Customer, CustomerGroup
from ledger.models import LedgerEntry
from messaging.models import Channel

from . import services
from .models import (
    ChasingLevel,
    ChasingPolicy,
    ChasingRun,
    CustomerChasing,
    EntryChasing,
    GroupChasing,
    Reminder,
    ReminderStatus,
)

MONEY = {"max_digits": 15, "decimal_places": 2}  # creditcontrol.bounds: 13 integer digits
DAYS_MAX = 3660  # about ten years, either way


class BoundedDateField(serializers.DateField):
    """A date the product can hold (creditcontrol.bounds): outside them, a 400 naming the field."""

    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        if problem := bounds.date_problem(date):
            raise serializers.ValidationError(problem)
        return date


# --- policies and levels ---------------------------------------------------------------------------------


class LevelSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(
        min_value=-DAYS_MAX, max_value=DAYS_MAX, help_text="Days after the due date (negative: before it)"
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    template_name = serializers.CharField(
        max_length=100, help_text="The reminder template (Setup > Message templates) sent at this level"
    )
    todo_description = serializers.CharField(max_length=250, allow_blank=True, required=False, default="")
    hold_documents = serializers.BooleanField(required=False, default=False)
    fee_lcy = serializers.DecimalField(**MONEY, allow_null=True, required=False, default=None)
    sends_automatically = serializers.BooleanField(required=False, default=False)


class PolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=100)
    is_default = serializers.BooleanField(required=False, default=False)
    minimum_overdue_lcy = serializers.DecimalField(**MONEY, required=False, default=Decimal("0.00"))
    contact_gap_days = serializers.IntegerField(min_value=0, max_value=DAYS_MAX, required=False, default=7)
    repeat_last_times = serializers.IntegerField(min_value=0, max_value=100, required=False, default=2)
    repeat_after_days = serializers.IntegerField(min_value=1, max_value=DAYS_MAX, required=False, default=14)
    attach_statement = serializers.BooleanField(required=False, default=True)
    is_active = serializers.BooleanField(required=False, default=True)
    updated_at = serializers.DateTimeField(read_only=True)
    levels = LevelSerializer(many=True, read_only=True)


class PolicyViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Chasing policies with their levels (tenant admins write, every member reads). A policy is changed
    with PATCH; its levels through `levels/`. One policy is the default: making another the default takes
    it over."""

    serializer_class = PolicySerializer
    write_role = Role.ADMIN
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def tenant_queryset(self):
        return ChasingPolicy.objects.prefetch_related("levels")

    def perform_create(self, serializer):
        serializer.instance = services.policy_save(**serializer.validated_data)

    def perform_update(self, serializer):
        # A PATCH holds only the fields sent (no defaults): the others stay as they are.
        serializer.instance = services.policy_save(policy=serializer.instance, **serializer.validated_data)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = PolicySerializer(self.tenant_queryset().get(pk=kwargs["pk"])).data
        return response

    def perform_destroy(self, instance):
        services.policy_delete(policy=instance)


class PolicyLevelsView(TenantAPIMixin, APIView):
    """A policy's levels: GET lists them, POST adds one after the last."""

    write_role = Role.ADMIN

    def _policy(self, pk) -> ChasingPolicy:
        return get_object_or_404(ChasingPolicy.objects.all(), pk=pk)

    @extend_schema(responses=LevelSerializer(many=True))
    def get(self, request, pk):
        return Response(LevelSerializer(self._policy(pk).levels.order_by("number"), many=True).data)

    @extend_schema(request=LevelSerializer, responses={201: LevelSerializer})
    def post(self, request, pk):
        policy = self._policy(pk)
        form = LevelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        level = services.level_save(policy=policy, **form.validated_data)
        return Response(LevelSerializer(level).data, status=status.HTTP_201_CREATED)


class PolicyLevelView(TenantAPIMixin, APIView):
    """One level of a policy, by its number: PATCH changes it (its days must stay between its neighbours'),
    DELETE removes it (only the last level)."""

    write_role = Role.ADMIN

    def _level(self, pk, number) -> ChasingLevel:
        policy = get_object_or_404(ChasingPolicy.objects.all(), pk=pk)
        return get_object_or_404(ChasingLevel.objects.select_related("policy"), policy=policy, number=number)

    @extend_schema(responses=LevelSerializer)
    def get(self, request, pk, number):
        return Response(LevelSerializer(self._level(pk, number)).data)

    @extend_schema(request=LevelSerializer, responses=LevelSerializer)
    def patch(self, request, pk, number):
        level = self._level(pk, number)
        form = LevelSerializer(level, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        level = services.level_save(policy=level.policy, level=level, **form.validated_data)
        return Response(LevelSerializer(level).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk, number):
        services.level_delete(level=self._level(pk, number))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the setup -------------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^\d\d:\d\d(:\d\d)?$", "example": "07:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as `HH:MM` (an OpenAPI `time` would need a UTC offset, which a local time has not)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class SetupSerializer(serializers.Serializer):
    scheduled = serializers.BooleanField(help_text="Run by itself on the days and time below")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7),
        max_length=7,
        help_text="1 = Monday … 7 = Sunday",
    )
    run_at = ClockTimeField(help_text="The tenant's local time, HH:MM")
    freshness_days = serializers.IntegerField(
        min_value=1,
        max_value=DAYS_MAX,
        help_text="Customers whose ledger was not fed for longer are not chased",
    )
    last_scheduled_on = serializers.DateField(read_only=True, allow_null=True)


class SetupView(TenantAPIMixin, APIView):
    """The schedule of the runs and the freshness limit of the ledger: every member reads, a tenant admin
    PUTs the whole of it."""

    write_role = Role.ADMIN

    @extend_schema(responses=SetupSerializer)
    def get(self, request):
        return Response(SetupSerializer(services.setup_get()).data)

    @extend_schema(request=SetupSerializer, responses=SetupSerializer)
    def put(self, request):
        form = SetupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return Response(SetupSerializer(services.setup_update(**form.validated_data)).data)


class GroupChasingSerializer(serializers.Serializer):
    group = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    policy = TenantRelatedField(lambda: ChasingPolicy.objects.all(), required=False, allow_null=True)
    paused_until = BoundedDateField(required=False, allow_null=True)
    pause_reason = serializers.CharField(required=False, allow_blank=True, max_length=250)


def _group_state(group: CustomerGroup, chasing: GroupChasing | None) -> dict:
    return {
        "pk": group.pk,
        "code": group.code,
        "name": group.name,
        "policy": chasing.policy if chasing else None,
        "paused_until": chasing.paused_until if chasing else None,
        "pause_reason": chasing.pause_reason if chasing else "",
    }


class GroupChasingListView(TenantAPIMixin, APIView):
    """Each customer group's policy (none: the default) and pause."""

    pagination_class = None

    @extend_schema(responses=GroupChasingSerializer(many=True))
    def get(self, request):
        chasing = {row.group_id: row for row in GroupChasing.objects.select_related("policy")}
        groups = CustomerGroup.objects.order_by("code")
        return Response(
            GroupChasingSerializer([_group_state(g, chasing.get(g.pk)) for g in groups], many=True).data
        )


class GroupChasingView(TenantAPIMixin, APIView):
    """A customer group's policy and pause: PUT the whole of it (a manager's, like a group's pause)."""

    write_role = Role.MANAGER

    def _group(self, pk) -> CustomerGroup:
        return get_object_or_404(CustomerGroup.objects.all(), pk=pk)

    @extend_schema(responses=GroupChasingSerializer)
    def get(self, request, pk):
        group = self._group(pk)
        return Response(
            GroupChasingSerializer(_group_state(group, GroupChasing.objects.filter(group=group).first())).data
        )

    @extend_schema(request=GroupChasingSerializer, responses=GroupChasingSerializer)
    def put(self, request, pk):
        group = self._group(pk)
        form = GroupChasingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        row = services.group_chasing_set(
            group=group,
            policy=data.get("policy"),
            paused_until=data.get("paused_until"),
            reason=data.get("pause_reason", ""),
        )
        return Response(GroupChasingSerializer(_group_state(group, row)).data)


# --- runs and their reminders ------------------------------------------------------------------------------


def _known_customer_ids(ids: list[int]) -> list[int]:
    """The ids, each a customer the caller may reach (a controller: theirs and the unassigned), else a 400."""
    known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = sorted(set(ids) - known)[:20]
    if unknown:
        message = f"No such customer: {unknown}."
        raise DomainError(message, details={"customers": [message]})
    return sorted(set(ids))


class ReminderLineSerializer(serializers.Serializer):
    entry_no = serializers.IntegerField(source="entry_id")
    document_no = serializers.CharField(source="entry.document_no")
    due_date = serializers.DateField(source="entry.due_date")
    days_overdue = serializers.IntegerField()
    remaining = serializers.DecimalField(**MONEY)
    level = serializers.IntegerField(allow_null=True, help_text="The level it reaches; null: left out")
    previous_level = serializers.IntegerField()
    left_out = serializers.CharField(help_text="Why it is left out (blank: it is chased)")


class ReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    customer = serializers.IntegerField(source="customer_id")
    customer_code = serializers.CharField(source="customer.code")
    customer_name = serializers.CharField(source="customer.name")
    currency_code = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField(help_text="email, sms or letter; blank when left out")
    status = serializers.CharField(help_text="proposed, skipped (left out), dropped, released, sent, failed")
    reason = serializers.CharField(help_text="Why it is left out, dropped or failed, or sent as a letter")
    overdue_lcy = serializers.DecimalField(**MONEY)
    fee_lcy = serializers.DecimalField(**MONEY, allow_null=True)
    subject = serializers.CharField(help_text="Edited subject (blank: the template's)")
    body = serializers.CharField(help_text="Edited text (blank: the template's)")
    message = serializers.IntegerField(source="message_id", allow_null=True)
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    lines = ReminderLineSerializer(many=True)


def reminders_with_lines():
    return Reminder.objects.select_related("customer", "decided_by").prefetch_related("lines__entry")


class ReminderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReminderStatus.choices)

    class Meta:
        model = Reminder
        fields = ["status"]


class RunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="proposing, proposed (awaiting review), sending, finished, failed"
    )
    started_by = serializers.CharField(source="started_by.username", default=None, allow_null=True)

    class Meta:
        model = ChasingRun
        fields = [
            "id", "as_of", "status", "status_reason", "scheduled", "customer_filter", "customers", "proposed",
            "skipped", "released", "sent", "seconds", "started_by", "created_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class RunDetailSerializer(RunSerializer):
    reminders = serializers.SerializerMethodField(
        help_text="The run's reminders the caller may see, by status: proposed, skipped, dropped, released, "
        "sent, failed"
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "reminders"]
        read_only_fields = fields

    def get_reminders(self, run) -> dict[str, int]:
        counts = dict(
            Reminder.objects.filter(run=run)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        return {value: counts.get(value, 0) for value in ReminderStatus.values}


class RunStartSerializer(serializers.Serializer):
    as_of = BoundedDateField(required=False, help_text="Default: the caller's as-of date (today)")
    customers = serializers.ListField(child=IdField(), required=False, allow_empty=False, max_length=100000)
    filter = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='The statistics API\'s filters, e.g. {"balance_status": "outstanding"}',
    )

    def validate(self, data):
        if "customers" in data and "filter" in data:
            raise serializers.ValidationError({"customers": ["Give customers or filter, not both."]})
        return data


class ReviewSerializer(serializers.Serializer):
    reminders = serializers.ListField(
        child=IdField(), required=False, max_length=100000, help_text="Absent: every proposed one you may see"
    )


class DropSerializer(serializers.Serializer):
    reminders = serializers.ListField(child=IdField(), allow_empty=False, max_length=100000)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RunViewSet(
    TenantAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Chasing runs, newest first. POST starts one (its proposal is made by a worker: follow `status`);
    a tenant has one open run at a time. Its reminders are reviewed, then released, dropped or edited."""

    serializer_class = RunSerializer
    action_roles = {"close": Role.MANAGER}

    def tenant_queryset(self):
        return ChasingRun.objects.select_related("started_by")

    def get_serializer_class(self):
        return RunSerializer if self.action == "list" else RunDetailSerializer

    def _answer(self, run, status_code=status.HTTP_200_OK):
        return Response(RunDetailSerializer(self.tenant_queryset().get(pk=run.pk)).data, status=status_code)

    @extend_schema(request=RunStartSerializer, responses={201: RunDetailSerializer})
    def create(self, request, *args, **kwargs):
        form = RunStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if "customers" in data:
            ids = _known_customer_ids(data["customers"])
        elif "filter" in data:
            ids = statistics_filter_customer_ids(data["filter"], request=request)
        else:
            ids = None
        run = services.run_start(
            user=request.user, as_of=data.get("as_of") or as_of_date(user=request.user), customer_ids=ids
        )
        return self._answer(run, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ReminderStatus.values)],
        responses=ReminderSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def reminders(self, request, pk=None):
        """The run's proposal: one reminder per customer and currency (those the caller may see), with its
        items; `status=proposed` for what awaits review."""
        run = self.get_object()
        reminders = ReminderFilter(request.query_params, queryset=reminders_with_lines().filter(run=run))
        if not reminders.is_valid():
            raise serializers.ValidationError(reminders.errors)
        page = self.paginate_queryset(reminders.qs.order_by("customer__code", "currency_code", "pk"))
        return self.get_paginated_response(ReminderSerializer(page, many=True).data)

    @extend_schema(request=ReviewSerializer, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        """Release proposed reminders (those given, else every one you may see): each becomes a message
        sent now."""
        run = self.get_object()
        form = ReviewSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.reminders_release(
            run=run, reminder_ids=form.validated_data.get("reminders"), user=request.user
        )
        return self._answer(run)

    @extend_schema(request=DropSerializer, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def drop(self, request, pk=None):
        """Drop proposed reminders, with the reason: their items keep their level."""
        run = self.get_object()
        form = DropSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.reminders_drop(
            run=run,
            reminder_ids=form.validated_data["reminders"],
            reason=form.validated_data["reason"],
            user=request.user,
        )
        return self._answer(run)

    @extend_schema(request=None, responses=RunDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a run under review (managers): every controller's reminders still proposed are dropped."""
        return self._answer(services.run_close(run=self.get_object(), user=request.user))


class ReminderEditSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body = serializers.CharField(max_length=20000, required=False, allow_blank=True)


class ReminderViewSet(TenantAPIMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One reminder of a run with its items; PATCH its `subject` and `body` (template variables as in the
    message templates; blank: the template's) while it is proposed."""

    serializer_class = ReminderSerializer

    def tenant_queryset(self):
        return reminders_with_lines()

    @extend_schema(request=ReminderEditSerializer, responses=ReminderSerializer)
    def partial_update(self, request, *args, **kwargs):
        reminder = self.get_object()
        form = ReminderEditSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.reminder_edit(
            reminder=reminder,
            subject=form.validated_data.get("subject", reminder.subject),
            body=form.validated_data.get("body", reminder.body),
        )
        return Response(ReminderSerializer(self.tenant_queryset().get(pk=reminder.pk)).data)


# --- pauses ----------------------------------------------------------------------------------------------


class SelectorSerializer(serializers.Serializer):
    customers = serializers.ListField(child=IdField(), required=False, allow_empty=False, max_length=100000)
    group = serializers.CharField(max_length=20, required=False, help_text="A customer group's code")

    def validate(self, data):
        if ("customers" in data) == ("group" in data):
            raise serializers.ValidationError({"customers": ["Give either customers or group."]})
        return data


class PauseSerializer(SelectorSerializer):
    until = BoundedDateField(help_text="Not chased up to and including this day; chased again the day after")
    reason = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class PauseAnswerSerializer(serializers.Serializer):
    customers = serializers.IntegerField(allow_null=True, help_text="How many customers (null: a group)")
    group = serializers.CharField(allow_null=True)
    paused_until = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class _PauseView(TenantAPIMixin, APIView):
    def _group(self, request, code: str) -> CustomerGroup:
        if not role_at_least(request._request.membership.role, Role.MANAGER):
            raise PermissionDenied("Only a manager or an admin pauses a whole customer group.")
        group = CustomerGroup.objects.filter(code=code).first()
        if group is None:
            raise serializers.ValidationError({"group": [f"Unknown customer group '{code}'."]})
        return group

    def _set(self, request, data, until, reason):
        if "group" in data:
            group = self._group(request, data["group"])
            current = GroupChasing.objects.filter(group=group).first()
            services.group_chasing_set(
                group=group, policy=current.policy if current else None, paused_until=until, reason=reason
            )
            count, code = None, group.code
        else:
            ids = _known_customer_ids(data["customers"])
            count = services.customers_pause(
                customers=Customer.objects.filter(pk__in=ids), until=until, reason=reason, user=request.user
            )
            code = None
        answer = {"customers": count, "group": code, "paused_until": until, "reason": reason if until else ""}
        return Response(PauseAnswerSerializer(answer).data)


class PauseView(_PauseView):
    """Pause chasing customers (`customers`: ids) or a customer group (`group`: its code; managers) until a
    day: they are left out of every run up to that day and chased again by themselves after it."""

    @extend_schema(request=PauseSerializer, responses=PauseAnswerSerializer)
    def post(self, request):
        form = PauseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        return self._set(request, data, data["until"], data["reason"].strip())


class ResumeView(_PauseView):
    """End the pause of customers or a customer group now."""

    @extend_schema(request=SelectorSerializer, responses=PauseAnswerSerializer)
    def post(self, request):
        form = SelectorSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._set(request, form.validated_data, None, "")


# --- a customer's chasing ------------------------------------------------------------------------------


class ItemLevelSerializer(serializers.Serializer):
    entry_no = serializers.IntegerField()
    document_no = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    currency_code = serializers.CharField()
    remaining_amount = serializers.DecimalField(**MONEY)
    level = serializers.IntegerField(help_text="The level it has reached (0: never reminded)")
    repeats = serializers.IntegerField(help_text="How often its last level was sent again")
    reminded_on = serializers.DateField(allow_null=True)


class CustomerReminderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    as_of = serializers.DateField(source="run.as_of")
    currency_code = serializers.CharField()
    level = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    overdue_lcy = serializers.DecimalField(**MONEY)
    message = serializers.IntegerField(source="message_id", allow_null=True)


class CustomerChasingSerializer(serializers.Serializer):
    customer = serializers.IntegerField(read_only=True)
    customer_code = serializers.CharField(read_only=True)
    policy = TenantRelatedField(
        lambda: ChasingPolicy.objects.all(),
        allow_null=True,
        help_text="The customer's own policy (null: none)",
    )
    excluded = serializers.BooleanField(help_text="Never chased")
    paused_until = BoundedDateField(allow_null=True, help_text="Not chased up to and including this day")
    pause_reason = serializers.CharField(max_length=250, allow_blank=True, required=False, default="")
    followed_policy = serializers.DictField(
        read_only=True,
        allow_null=True,
        help_text="The policy followed: {id, name, source: customer | group | default}, or null",
    )
    group_paused_until = serializers.DateField(read_only=True, allow_null=True)
    items = ItemLevelSerializer(many=True, read_only=True)
    reminders = CustomerReminderSerializer(many=True, read_only=True)


class CustomerChasingView(TenantAPIMixin, APIView):
    """A customer's chasing: its own policy (over its group's and the default), exclusion and pause (PUT
    them), and, read only, the policy it follows, the level each open item has reached and its last 100
    reminders, newest first."""

    def _customer(self, pk) -> Customer:
        return get_object_or_404(Customer.objects.all(), pk=pk)

    def _state(self, customer: Customer) -> dict:
        own = CustomerChasing.objects.select_related("policy").filter(customer=customer).first()
        group = (
            GroupChasing.objects.select_related("policy").filter(group_id=customer.group_id).first()
            if customer.group_id
            else None
        )
        followed = None
        if own is not None and own.policy is not None:
            followed = (own.policy, "customer")
        elif group is not None and group.policy is not None:
            followed = (group.policy, "group")
        elif default := ChasingPolicy.objects.filter(is_default=True, is_active=True).first():
            followed = (default, "default")
        entries = list(LedgerEntry.objects.filter(customer=customer, is_open=True).order_by("due_date", "pk"))
        reached = {row.entry_id: row for row in EntryChasing.objects.filter(entry__in=entries)}
        items = [
            {
                "entry_no": entry.pk,
                "document_no": entry.document_no,
                "due_date": entry.due_date,
                "currency_code": entry.currency_code,
                "remaining_amount": entry.remaining_amount,
                "level": reached[entry.pk].level if entry.pk in reached else 0,
                "repeats": reached[entry.pk].repeats if entry.pk in reached else 0,
                "reminded_on": reached[entry.pk].reminded_on if entry.pk in reached else None,
            }
            for entry in entries
        ]
        reminders = Reminder.objects.filter(customer=customer).select_related("run").order_by("-run_id", "pk")
        return {
            "customer": customer.pk,
            "customer_code": customer.code,
            "policy": own.policy if own else None,
            "excluded": own.excluded if own else False,
            "paused_until": own.paused_until if own else None,
            "pause_reason": own.pause_reason if own else "",
            "followed_policy": (
                {"id": followed[0].pk, "name": followed[0].name, "source": followed[1]} if followed else None
            ),
            "group_paused_until": group.paused_until if group else None,
            "items": items,
            "reminders": list(reminders[:100]),
        }

    @extend_schema(responses=CustomerChasingSerializer)
    def get(self, request, pk):
        return Response(CustomerChasingSerializer(self._state(self._customer(pk))).data)

    @extend_schema(request=CustomerChasingSerializer, responses=CustomerChasingSerializer)
    def put(self, request, pk):
        customer = self._customer(pk)
        form = CustomerChasingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        before = CustomerChasing.objects.filter(customer=customer).first()
        services.customer_chasing_set(customer=customer, policy=data["policy"], excluded=data["excluded"])
        until, reason = data["paused_until"], data["pause_reason"].strip() if data["paused_until"] else ""
        # A pause is checked (not in the past) only when it changes: an ended one read back is left alone.
        if (until, reason) != ((before.paused_until, before.pause_reason) if before else (None, "")):
            services.customers_pause(
                customers=Customer.objects.filter(pk=customer.pk),
                until=until,
                reason=reason,
                user=request.user,
            )
        return Response(CustomerChasingSerializer(self._state(customer)).data)
