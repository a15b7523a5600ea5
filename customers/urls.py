"""Pages of the customers app (mounted under /t/<tenant slug>/customers/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customers"),
    path("<int:pk>/", views.CustomerCardView.as_view(), name="customer-card"),
    path("<int:pk>/factbox/", views.FactBoxView.as_view(), name="customer-factbox"),
    path("<int:pk>/record-payment/", views.RecordPaymentView.as_view(), name="record-payment"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("balance-due/", views.BalanceDueReportView.as_view(), name="balance-due"),
    path("credit/", views.CreditListView.as_view(), name="credit-list"),
    path("credit/columns/", views.CreditListColumnsView.as_view(), name="credit-list-columns"),
    path("credit/export.csv", views.CreditListExportView.as_view(), name="credit-list-export"),
    path("credit/recalculate/", views.CreditListRecalculateView.as_view(), name="credit-list-recalculate"),
]
