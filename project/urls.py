"""Every URL of the application. Tenant pages live under /t/<slug>/, the tenant API under /api/t/<slug>/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from creditcontrol import token_views, views
from creditcontrol.auth import ThrottledLoginView, admin_login
from creditcontrol.health import healthz

tenant_pages = [
    path("", include("workspace.urls")),
    path("", include("aging.urls")),
    path("", include("messaging.urls")),
    path("", include("chasing.urls")),
    path("ledger/", include("ledger.urls")),
    path("interactions/", include("interactions.urls")),
    path("setup/", include("creditcontrol.urls_setup")),
    path("setup/", include("customers.urls")),
    path("audit/", include("audit.urls")),
]

tenant_api = [
    path("", include("customers.urls_api")),
    path("", include("ledger.urls_api")),
    path("", include("aging.urls_api")),
    path("", include("interactions.urls_api")),
    path("", include("messaging.urls_api")),
    path("", include("chasing.urls_api")),
    path("", include("audit.urls_api")),
]

handler403 = "creditcontrol.pages.permission_denied"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path(
        "accounts/login/",
        ThrottledLoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # the link of an invitation e-mail (creditcontrol.members): Django's password-reset token sets a password
    path(
        "accounts/set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("t/<slug:tenant_slug>/", include(tenant_pages)),
    path("api/t/<slug:tenant_slug>/", include(tenant_api)),
    path("api/tokens/", token_views.ApiTokenListView.as_view(), name="api-token-list"),
    path("api/tokens/<int:pk>/revoke/", token_views.ApiTokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("admin/login/", admin_login, name="admin-login"),  # before the admin's own: the same throttle
    path("admin/", admin.site.urls),
]
