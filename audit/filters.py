"""The audit log's filters, shared by the page, its CSV export and the API: the same query string gives
the same rows on all three."""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from creditcontrol import auditing
from creditcontrol.tenancy import current_tenant
from customers.models import Customer

from .models import Action, AuditChange
from .registry import REGISTRY


def _customers(request):
    return Customer.objects.all()


def _users(request):
    return get_user_model().objects.filter(memberships__tenant=current_tenant()).order_by("username")


def field_choices() -> list[tuple[str, str]]:
    """Every column the log can name, once (the same column name on two tables is one filter)."""
    columns = {}
    for tracked in REGISTRY.values():
        for model_field in tracked.model._meta.concrete_fields:
            columns.setdefault(model_field.column, str(model_field.verbose_name).capitalize())
    return sorted(columns.items(), key=lambda pair: pair[1].lower())


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the tenant's zone (the request's current zone)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@extend_schema_field(OpenApiTypes.INT)
class _RowFilter(django_filters.ModelChoiceFilter):
    """A row chosen by its id, matched on the log's plain id column (the log has no foreign keys)."""


class AuditChangeFilter(django_filters.FilterSet):
    customer = _RowFilter(queryset=_customers, method="by_customer")
    customer_code = django_filters.CharFilter(method="by_customer_code")
    field = django_filters.ChoiceFilter(choices=field_choices)
    user = _RowFilter(queryset=_users, method="by_user")
    source = django_filters.ChoiceFilter(choices=list(auditing.SOURCES.items()))
    action = django_filters.ChoiceFilter(choices=Action.choices)
    entity = django_filters.CharFilter()
    job = django_filters.CharFilter(label="Import job")
    date_from = django_filters.DateFilter(method="from_day", label="From (date)")
    date_to = django_filters.DateFilter(method="to_day", label="To (date)")

    class Meta:
        model = AuditChange
        fields = []

    def by_customer(self, queryset, name, value):
        return queryset.filter(customer_id=value.pk)

    def by_customer_code(self, queryset, name, value):
        return queryset.filter(
            customer_id__in=Customer.objects.filter(code__iexact=value.strip()).values("pk")
        )

    def by_user(self, queryset, name, value):
        return queryset.filter(user_id=value.pk)

    def from_day(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_start_of(value))

    def to_day(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=_start_of(value + datetime.timedelta(days=1)))
