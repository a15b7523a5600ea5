"""Setup pages of master data (mounted under /t/<tenant slug>/setup/), and users and roles (whose changes
hand a leaving member's customers over)."""

from django.urls import path

from . import member_views, views

urlpatterns = [
    path("branches/", views.BranchListView.as_view(), name="setup-branches"),
    path("branches/<int:pk>/", views.BranchListView.as_view(), name="setup-branch"),
    path("payment-terms/", views.PaymentTermsListView.as_view(), name="setup-payment-terms"),
    path("payment-terms/<int:pk>/", views.PaymentTermsListView.as_view(), name="setup-payment-terms-edit"),
    path(
        "branches/<int:pk>/active/", views.BranchListView.as_view(action="active"), name="setup-branch-active"
    ),
    path(
        "branches/<int:pk>/delete/", views.BranchListView.as_view(action="delete"), name="setup-branch-delete"
    ),
    path(
        "payment-terms/<int:pk>/active/",
        views.PaymentTermsListView.as_view(action="active"),
        name="setup-payment-terms-active",
    ),
    path(
        "payment-terms/<int:pk>/delete/",
        views.PaymentTermsListView.as_view(action="delete"),
        name="setup-payment-terms-delete",
    ),
    path("users/", member_views.MemberListView.as_view(), name="setup-users"),
    path("users/<int:pk>/role/", member_views.MemberRoleView.as_view(), name="setup-user-role"),
    path("users/<int:pk>/remove/", member_views.MemberRemoveView.as_view(), name="setup-user-remove"),
]
