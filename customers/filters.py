"""Customer filters, shared by the customer pages and the API."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from creditcontrol.tenancy import current_tenant

from .models import Contact, CreditLimitChange, Customer, CustomerGroup
from .selectors import branches_offered, former_controller_q


def _tenant_users(request):
    return get_user_model().objects.filter(memberships__tenant=current_tenant())


def _branches(request):
    """Active branches, and an inactive one when the request names it (its customers stay findable)."""
    return branches_offered(request.GET.get("branch") if request is not None else None)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    code = django_filters.CharFilter()
    group = django_filters.ModelChoiceFilter(queryset=lambda request: CustomerGroup.objects.all())
    branch = django_filters.ModelChoiceFilter(queryset=_branches)
    controller = django_filters.ModelChoiceFilter(queryset=_tenant_users)
    former_controller = django_filters.BooleanFilter(
        method="by_former_controller", label="Assigned to a former member (no longer a controller here)"
    )
    customer_type = django_filters.CharFilter()
    currency = django_filters.CharFilter(field_name="currency_code", lookup_expr="iexact")
    blocked = django_filters.BooleanFilter()
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="contains", method="by_tag")

    class Meta:
        model = Customer
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        return (
            queryset.filter(Q(code__iexact=value) | Q(name__icontains=value) | Q(city__icontains=value))
            if value
            else queryset
        )

    def by_former_controller(self, queryset, name, value):
        return queryset.filter(former_controller_q()) if value else queryset.exclude(former_controller_q())

    def by_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value])


class ContactFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")
    is_primary = django_filters.BooleanFilter()
    is_credit_control_contact = django_filters.BooleanFilter()
    is_inactive = django_filters.BooleanFilter()

    class Meta:
        model = Contact
        fields = []


class CreditLimitChangeFilter(django_filters.FilterSet):
    customer = django_filters.NumberFilter(field_name="customer_id")

    class Meta:
        model = CreditLimitChange
        fields = []
