"""The workspace pages, one module per page family."""

from .balance_due import BalanceDueReportView, RecordPaymentView
from .credit_list import (
    CreditListColumnsView,
    CreditListExportView,
    CreditListRecalculateView,
    CreditListView,
    CreditListViewsView,
    selected_customer_ids,
)
from .customers import CustomerCardView, CustomerListView, FactBoxView, SearchView
from .dashboard import DashboardView

__all__ = [
    "BalanceDueReportView",
    "CreditListColumnsView",
    "CreditListExportView",
    "CreditListRecalculateView",
    "CreditListView",
    "CreditListViewsView",
    "CustomerCardView",
    "CustomerListView",
    "DashboardView",
    "FactBoxView",
    "RecordPaymentView",
    "SearchView",
    "selected_customer_ids",
]
