"""The ledger entry filters, shared by the ledger page and the API.

A value a filter cannot read (an unknown status code, `promised=maybe`, a date that is not one, a
negative number of days) is an error of that field: the API answers 400 naming it, the page shows it.
"""

from functools import cached_property

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from creditcontrol.asof import as_of_date
from creditcontrol.branch import chosen_branch_id
from customers.models import Customer
from customers.selectors import branches_offered

from . import selectors
from .models import Application, DocumentType, LedgerEntry

YES_NO = [("true", "Yes"), ("false", "No")]
# About 270 years: any real number of days overdue, and far from the date range's edge (no overflow).
DAYS_MAX = 100_000


def _tenant_customers(request):
    return Customer.objects.all()


def _tenant_branches(request):
    """Active branches, and an inactive one the request names, or the branch context (the default)."""
    if request is None:
        return branches_offered()
    return branches_offered(request.GET.get("branch") or chosen_branch_id(request))


def _tenant_status_codes(request):
    # Status codes belong to the interactions app, a floor above the ledger: reached through the entry's
    # own foreign key rather than imported (the ledger never imports upwards).
    return LedgerEntry._meta.get_field("status_code").related_model.objects.all()


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": DAYS_MAX})
class DaysFilter(django_filters.Filter):
    """A whole number of days, 0 or more."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", DAYS_MAX)
        super().__init__(*args, **kwargs)


class LedgerEntryFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(queryset=_tenant_customers)
    customer_code = django_filters.CharFilter(field_name="customer__code")
    open = django_filters.BooleanFilter(field_name="is_open")
    document_type = django_filters.MultipleChoiceFilter(choices=DocumentType.choices)
    document_no = django_filters.CharFilter()
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    posting_from = django_filters.DateFilter(field_name="posting_date", lookup_expr="gte")
    posting_to = django_filters.DateFilter(field_name="posting_date", lookup_expr="lte")
    document_from = django_filters.DateFilter(field_name="document_date", lookup_expr="gte")
    document_to = django_filters.DateFilter(field_name="document_date", lookup_expr="lte")
    branch = django_filters.ModelChoiceFilter(queryset=_tenant_branches)
    currency = django_filters.CharFilter(field_name="currency_code", lookup_expr="iexact")
    on_hold = django_filters.BooleanFilter()
    # Credit control: what "Update selected entries" wrote onto the entries, and the days figures.
    status_code = django_filters.ModelChoiceFilter(
        queryset=_tenant_status_codes, to_field_name="code", empty_label="Any", label="Status code"
    )
    promised = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_promised", label="Promised (has a promised payment date)"
    )
    promise_due = django_filters.ChoiceFilter(
        choices=[("week", "Due this week"), ("overdue", "Overdue (open past the promised date)")],
        method="by_promise_due",
        label="Promise due",
    )
    queried = django_filters.ChoiceFilter(
        choices=YES_NO, method="by_queried", label="Queried (status code flagged Queried)"
    )
    resolution_before = django_filters.DateFilter(
        field_name="query_resolution_target_date", lookup_expr="lt", label="Resolution target before"
    )
    days_overdue_min = DaysFilter(method="by_days_overdue_min", label="Days overdue at least (open)")
    days_overdue_max = DaysFilter(method="by_days_overdue_max", label="Days overdue at most (open)")

    class Meta:
        model = LedgerEntry
        fields = []

    @cached_property
    def as_of(self):
        """The as-of date D of the promise and days filters: the user's (creditcontrol.asof)."""
        return as_of_date(user=getattr(self.request, "user", None))

    def by_promised(self, queryset, name, value: str):
        return queryset.filter(promised_payment_date__isnull=value == "false")

    def by_promise_due(self, queryset, name, value: str):
        if value == "week":
            return queryset.filter(selectors.promise_falling_due(as_of=self.as_of))
        return queryset.filter(selectors.promise_overdue(as_of=self.as_of))

    def by_queried(self, queryset, name, value: str):
        if value == "true":
            return queryset.filter(status_code__queried=True)
        return queryset.exclude(status_code__queried=True)

    def by_days_overdue_min(self, queryset, name, value: int):
        return queryset.filter(selectors.days_overdue_at_least(value, as_of=self.as_of))

    def by_days_overdue_max(self, queryset, name, value: int):
        return queryset.filter(selectors.days_overdue_at_most(value, as_of=self.as_of))


class ApplicationFilter(django_filters.FilterSet):
    applying_entry = django_filters.NumberFilter(field_name="applying_entry_id")
    applied_entry = django_filters.NumberFilter(field_name="applied_entry_id")
    posting_from = django_filters.DateFilter(field_name="posting_date", lookup_expr="gte")
    posting_to = django_filters.DateFilter(field_name="posting_date", lookup_expr="lte")
    active = django_filters.BooleanFilter(field_name="undone_on", lookup_expr="isnull")

    class Meta:
        model = Application
        fields = []
