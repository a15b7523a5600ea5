"""The workspace pages, one module per page family."""

from .balance_due import BalanceDueReportView, RecordPaymentView
from .branch import BranchContextView
from .chasing import CustomerChasingView, CustomersChasingView
from .contact_customers import ContactCustomersView
from .contacts import ContactCreateView, ContactEditView
from .credit_list import (
    CreditListColumnsView,
    CreditListExportView,
    CreditListRecalculateView,
    CreditListView,
    CreditListViewsView,
    selected_customer_ids,
)
from .customers import CustomerAssignView, CustomerCardView, CustomerListView, FactBoxView, SearchView
from .dashboard import DashboardView

__all__ = [
    "BalanceDueReportView",
    "BranchContextView",
    "CreditListColumnsView",
    "CreditListExportView",
    "CreditListRecalculateView",
    "CreditListView",
    "ContactCreateView",
    "ContactCustomersView",
    "ContactEditView",
    "CreditListViewsView",
    "CustomerChasingView",
    "CustomersChasingView",
    "CustomerAssignView",
    "CustomerCardView",
    "CustomerListView",
    "DashboardView",
    "FactBoxView",
    "RecordPaymentView",
    "SearchView",
    "selected_customer_ids",
]
