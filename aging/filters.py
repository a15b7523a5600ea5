"""Filters of the stored credit statistics, shared by the credit list, the balance due report and the API:
who and where (controller, branch, group, account and balance status, type, text) and every figure by range.

The filters are declared (not generated from `Meta.fields`): django-filter would otherwise query the
model's default manager at import time, and that manager refuses to run outside a tenant.
"""

import copy

import django_filters
from django.db.models import F, Q

from customers.selectors import former_controller_q, group_and_descendants
from ledger.branches import customers_in_branch_q

from .figures import FIGURE_COLUMNS
from .models import BalanceStatus, CustomerStatistics, RecalculationRun

BOOLEAN_FIGURES = ["is_over_credit_limit", "is_overdue", "is_blocked"]
DATE_FIGURES = ["last_payment_date"]
RANGE_FIGURES = [c for c in FIGURE_COLUMNS if c not in BOOLEAN_FIGURES and c != "balance_status"]
# Every column a list may be sorted by (API `ordering=`, `-` for descending).
ORDERING_FIELDS = ["customer__code", "customer__name", "calculated_at", "as_of_date", *FIGURE_COLUMNS]


ACCOUNT_STATUSES = {
    "over_limit": Q(is_over_credit_limit=True),
    "overdue": Q(is_overdue=True),
    "blocked": Q(is_blocked=True),
    "ok": Q(is_over_credit_limit=False, is_overdue=False, is_blocked=False),
}


_LOOKUP_LABELS = {"gte": "at least", "lte": "at most", "gt": "above", "lt": "below"}


def _figure_filters() -> dict:
    """Every figure by value and range. Each filter is labelled here: django-filter would otherwise work
    out the labels of these ~150 filters from the model on every request (a third of a credit list's
    filter form)."""
    filters = {}
    for name in RANGE_FIGURES:
        kind = django_filters.DateFilter if name in DATE_FIGURES else django_filters.NumberFilter
        label = name.replace("_", " ")
        filters[name] = kind(field_name=name, label=label)
        for lookup, words in _LOOKUP_LABELS.items():
            filters[f"{name}__{lookup}"] = kind(field_name=name, lookup_expr=lookup, label=f"{label} {words}")
        filters[f"{name}__isnull"] = django_filters.BooleanFilter(
            field_name=name, lookup_expr="isnull", label=f"{label} is empty"
        )
    for name in BOOLEAN_FIGURES:
        filters[name] = django_filters.BooleanFilter(field_name=name, label=name.replace("_", " "))
    return filters


class _ShallowCopies(dict):
    def __deepcopy__(self, memo):
        return {name: _shallow_copy(f) for name, f in self.items()}


def _shallow_copy(original: django_filters.Filter) -> django_filters.Filter:
    duplicate = copy.copy(original)
    if original.method is not None:  # its own FilterMethod, bound to the copy (and so to its FilterSet)
        duplicate.method = original.method
    return duplicate


class _CustomerStatisticsFilterBase(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Customer code or name")
    customer = django_filters.NumberFilter(field_name="customer_id")
    controller = django_filters.CharFilter(
        method="by_controller", label="Controller: a user id, me, none or former (a former member)"
    )
    branch = django_filters.NumberFilter(
        method="by_branch", label="Branch: its customers and the customers with entries in it"
    )
    group = django_filters.NumberFilter(method="by_group", label="Customer group (with the groups below it)")
    account_status = django_filters.ChoiceFilter(
        method="by_account_status",
        choices=[
            ("over_limit", "Over credit limit"),
            ("overdue", "Overdue"),
            ("blocked", "Blocked"),
            ("ok", "OK"),
        ],
    )
    customer_type = django_filters.CharFilter(field_name="customer__customer_type")
    balance_status = django_filters.ChoiceFilter(choices=BalanceStatus.choices)
    stale = django_filters.BooleanFilter(method="by_stale")

    class Meta:
        model = CustomerStatistics
        fields = []

    # The ~150 filters cost more to set up than to run: django-filter deep-copies every one and builds a
    # form field for each on every request (a third of the statistics API's time). A filter is copied
    # shallowly here (a copy gets its own `model` and `parent`, nothing else of it changes), and the
    # form holds only the filters the request uses: one with no value filters nothing.
    def __init__(self, *args, **kwargs):
        base_filters = self.base_filters
        self.base_filters = _ShallowCopies(base_filters)
        try:
            super().__init__(*args, **kwargs)
        finally:
            self.base_filters = base_filters

    def get_form_class(self):
        used = {name: f for name, f in self.filters.items() if not self.is_bound or name in self.data}
        return type(f"{type(self).__name__}Form", (self._meta.form,), {n: f.field for n, f in used.items()})

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(customer__code__iexact=value) | Q(customer__name__icontains=value))

    def by_controller(self, queryset, name, value):
        if value == "me":
            return queryset.filter(customer__controller=self.request.user)
        if value == "none":
            return queryset.filter(customer__controller__isnull=True)
        if value == "former":
            return queryset.filter(former_controller_q(prefix="customer__"))
        return queryset.filter(customer__controller_id=value) if value.isdigit() else queryset.none()

    def by_branch(self, queryset, name, value):
        # A customer trading through several branches is in each (the branch context's customers).
        return queryset.filter(customers_in_branch_q(int(value), prefix="customer__"))

    def by_group(self, queryset, name, value):
        return queryset.filter(customer__group_id__in=group_and_descendants(int(value)))

    def by_account_status(self, queryset, name, value):
        return queryset.filter(ACCOUNT_STATUSES[value])

    def by_stale(self, queryset, name, value):
        stale = Q(calculated_version__lt=F("ledger_version"))
        return queryset.filter(stale if value else ~stale)


CustomerStatisticsFilter = type(
    "CustomerStatisticsFilter",
    (_CustomerStatisticsFilterBase,),
    {"__module__": __name__, **_figure_filters()},
)


class RecalculationRunFilter(django_filters.FilterSet):
    """Runs by kind, status and what started them (declared, for the reason in the module's docstring)."""

    kind = django_filters.ChoiceFilter(choices=RecalculationRun.Kind.choices)
    status = django_filters.ChoiceFilter(choices=RecalculationRun.Status.choices)
    trigger = django_filters.CharFilter()
