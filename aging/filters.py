"""Filters of the stored credit statistics, shared by the pages and the API: every figure by range.

The filters are declared (not generated from `Meta.fields`): django-filter would otherwise query the
model's default manager at import time, and that manager refuses to run outside a tenant.
"""

import django_filters
from django.db.models import F, Q

from .figures import FIGURE_COLUMNS
from .models import BalanceStatus, CustomerStatistics

BOOLEAN_FIGURES = ["is_over_credit_limit", "is_overdue", "is_blocked"]
DATE_FIGURES = ["last_payment_date"]
RANGE_FIGURES = [c for c in FIGURE_COLUMNS if c not in BOOLEAN_FIGURES and c != "balance_status"]
# Every column a list may be sorted by (API `ordering=`, `-` for descending).
ORDERING_FIELDS = ["customer__code", "customer__name", "calculated_at", "as_of_date", *FIGURE_COLUMNS]


def _figure_filters() -> dict:
    filters = {}
    for name in RANGE_FIGURES:
        kind = django_filters.DateFilter if name in DATE_FIGURES else django_filters.NumberFilter
        filters[name] = kind(field_name=name)
        for lookup in ("gte", "lte", "gt", "lt"):
            filters[f"{name}__{lookup}"] = kind(field_name=name, lookup_expr=lookup)
        filters[f"{name}__isnull"] = django_filters.BooleanFilter(field_name=name, lookup_expr="isnull")
    for name in BOOLEAN_FIGURES:
        filters[name] = django_filters.BooleanFilter(field_name=name)
    return filters


class _CustomerStatisticsFilterBase(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Customer code or name")
    customer = django_filters.NumberFilter(field_name="customer_id")
    controller = django_filters.NumberFilter(field_name="customer__controller_id")
    balance_status = django_filters.ChoiceFilter(choices=BalanceStatus.choices)
    stale = django_filters.BooleanFilter(method="by_stale")

    class Meta:
        model = CustomerStatistics
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer__code__iexact=value) | Q(customer__name__icontains=value))

    def by_stale(self, queryset, name, value):
        stale = Q(calculated_version__lt=F("ledger_version"))
        return queryset.filter(stale if value else ~stale)


CustomerStatisticsFilter = type(
    "CustomerStatisticsFilter",
    (_CustomerStatisticsFilterBase,),
    {"__module__": __name__, **_figure_filters()},
)
