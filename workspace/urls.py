"""Pages of the workspace (mounted under /t/<tenant slug>/): dashboard, customers, credit list, reports."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("branch/", views.BranchContextView.as_view(), name="branch-context"),
    path("customers/", views.CustomerListView.as_view(), name="customers"),
    path("customers/assign/", views.CustomerAssignView.as_view(), name="customers-assign"),
    path("customers/<int:pk>/", views.CustomerCardView.as_view(), name="customer-card"),
    path("customers/<int:pk>/contacts/new/", views.ContactCreateView.as_view(), name="customer-contact-new"),
    path("customers/contacts/<int:pk>/", views.ContactEditView.as_view(), name="contact-edit"),
    path("customers/<int:pk>/chasing/", views.CustomerChasingView.as_view(), name="customer-chasing"),
    path("customers/chasing/", views.CustomersChasingView.as_view(), name="customers-chasing"),
    path("customers/<int:pk>/factbox/", views.FactBoxView.as_view(), name="customer-factbox"),
    path("customers/<int:pk>/record-payment/", views.RecordPaymentView.as_view(), name="record-payment"),
    path("customers/search/", views.SearchView.as_view(), name="search"),
    path("customers/balance-due/", views.BalanceDueReportView.as_view(), name="balance-due"),
    path("customers/contact/", views.ContactCustomersView.as_view(), name="customers-contact"),
    path("customers/credit/", views.CreditListView.as_view(), name="credit-list"),
    path("customers/credit/columns/", views.CreditListColumnsView.as_view(), name="credit-list-columns"),
    path("customers/credit/views/", views.CreditListViewsView.as_view(), name="credit-list-views"),
    path("customers/credit/export.csv", views.CreditListExportView.as_view(), name="credit-list-export"),
    path(
        "customers/credit/recalculate/",
        views.CreditListRecalculateView.as_view(),
        name="credit-list-recalculate",
    ),
]
