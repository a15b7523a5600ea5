"""The ledger entry filters, shared by the ledger page and the API."""

import django_filters

from customers.models import Branch, Customer

from .models import Application, DocumentType, LedgerEntry


def _tenant_customers(request):
    return Customer.objects.all()


def _tenant_branches(request):
    return Branch.objects.all()


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

    class Meta:
        model = LedgerEntry
        fields = []


class ApplicationFilter(django_filters.FilterSet):
    applying_entry = django_filters.NumberFilter(field_name="applying_entry_id")
    applied_entry = django_filters.NumberFilter(field_name="applied_entry_id")
    posting_from = django_filters.DateFilter(field_name="posting_date", lookup_expr="gte")
    posting_to = django_filters.DateFilter(field_name="posting_date", lookup_expr="lte")
    active = django_filters.BooleanFilter(field_name="undone_on", lookup_expr="isnull")

    class Meta:
        model = Application
        fields = []
