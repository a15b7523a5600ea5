"""Pages of the customers app (mounted under /t/<tenant slug>/customers/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customers"),
    path("<int:pk>/", views.CustomerCardView.as_view(), name="customer-card"),
]
