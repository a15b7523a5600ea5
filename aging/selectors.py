"""Reads of the stored credit statistics."""

from django.db.models import Count, F, Q, Sum

from .models import CustomerStatistics


def tenant_totals() -> dict:
    return CustomerStatistics.objects.aggregate(
        customers=Count("customer_id"),
        balance_lcy=Sum("balance_lcy"),
        overdue_balance_lcy=Sum("overdue_balance_lcy"),
        overdue_customers=Count("customer_id", filter=Q(overdue_balance_lcy__gt=0)),
        stale_customers=Count("customer_id", filter=Q(calculated_version__lt=F("ledger_version"))),
    )


def top_overdue_customers(*, limit: int):
    return (
        CustomerStatistics.objects.filter(overdue_balance_lcy__gt=0)
        .select_related("customer")
        .order_by("-overdue_balance_lcy")[:limit]
    )
