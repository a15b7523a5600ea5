"""Pages of the customers app (the module grew past a comfortable size: one module per page family)."""

from .balance_due import BalanceDueReportView, RecordPaymentView
from .cards import CustomerCardView, CustomerListView, FactBoxView, SearchView
from .credit_list import (
    CreditListColumnsView,
    CreditListExportView,
    CreditListRecalculateView,
    CreditListView,
    selected_customer_ids,
)

__all__ = [
    "BalanceDueReportView",
    "CreditListColumnsView",
    "CreditListExportView",
    "CreditListRecalculateView",
    "CreditListView",
    "CustomerCardView",
    "CustomerListView",
    "FactBoxView",
    "RecordPaymentView",
    "SearchView",
    "selected_customer_ids",
]
