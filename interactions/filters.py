"""Filters of interactions, to-dos and promises, shared by the pages and the API."""

import django_filters
from django.contrib.auth import get_user_model

from creditcontrol.tenancy import current_tenant
from customers.models import Customer

from .models import Interaction, InteractionType, Promise, PromiseStatus, ToDo, ToDoKind, ToDoStatus


def _customers(request):
    return Customer.objects.all()


def _users(request):
    return get_user_model().objects.filter(memberships__tenant=current_tenant()).order_by("username")


class InteractionFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    customer_code = django_filters.CharFilter(field_name="customer__code", lookup_expr="iexact")
    controller = django_filters.ModelChoiceFilter(queryset=_users)
    interaction_type = django_filters.ChoiceFilter(choices=InteractionType.choices)
    occurred_from = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte")
    occurred_to = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte")

    class Meta:
        model = Interaction
        fields = []


class ToDoFilter(django_filters.FilterSet):
    """`owner`: mine (assigned to me) or all; `state`: open, closed or overdue (open and due before today)."""

    owner = django_filters.ChoiceFilter(
        choices=[("mine", "Mine"), ("all", "All")], method="filter_owner", empty_label=None
    )
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("overdue", "Overdue"), ("closed", "Closed"), ("any", "Any")],
        method="filter_state",
        empty_label=None,
    )
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    customer_code = django_filters.CharFilter(field_name="customer__code", lookup_expr="iexact")
    assigned_to = django_filters.ModelChoiceFilter(queryset=_users)
    kind = django_filters.ChoiceFilter(choices=ToDoKind.choices)
    due_from = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_to = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = ToDo
        fields = []

    def filter_owner(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assigned_to=self.request.user)
        return queryset

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(status=ToDoStatus.OPEN)
        if value == "closed":
            return queryset.filter(status=ToDoStatus.CLOSED)
        if value == "overdue":
            return queryset.filter(status=ToDoStatus.OPEN, due_date__lt=current_tenant().today())
        return queryset


class PromiseFilter(django_filters.FilterSet):
    customer = django_filters.ModelChoiceFilter(queryset=_customers)
    customer_code = django_filters.CharFilter(field_name="customer__code", lookup_expr="iexact")
    controller = django_filters.ModelChoiceFilter(queryset=_users)
    status = django_filters.ChoiceFilter(choices=PromiseStatus.choices)
    promised_from = django_filters.DateFilter(field_name="promised_payment_date", lookup_expr="gte")
    promised_to = django_filters.DateFilter(field_name="promised_payment_date", lookup_expr="lte")

    class Meta:
        model = Promise
        fields = []
