"""Setup pages of master data (mounted under /t/<tenant slug>/setup/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("branches/", views.BranchListView.as_view(), name="setup-branches"),
    path("branches/<int:pk>/", views.BranchListView.as_view(), name="setup-branch"),
    path("payment-terms/", views.PaymentTermsListView.as_view(), name="setup-payment-terms"),
    path("payment-terms/<int:pk>/", views.PaymentTermsListView.as_view(), name="setup-payment-terms-edit"),
]
