"""Entering the tenant of a request: entered once more for a token's user, always left when the request
ends; and the API views' queryset, which only TenantAPIMixin may build."""

import pytest
from django.utils import timezone
from rest_framework import generics, viewsets
from rest_framework.authtoken.models import Token

from creditcontrol.api import TenantAPIMixin
from creditcontrol.models import Role
from creditcontrol.tenancy import _current_tenant, tenant_context
from customers.models import Customer


def test_a_session_and_a_token_of_two_users_leave_no_tenant_behind(client, tenant_a, make_member):
    """The middleware enters the tenant for the session's user, TenantAPIMixin once more for the token's:
    when the request ends neither is still active on the thread."""
    with tenant_context(tenant_a):
        Customer.objects.create(code="ALPHA-1", name="Alpha's customer")
    tenant_a.time_zone = "Pacific/Auckland"
    tenant_a.save()
    client.force_login(make_member(tenant_a, Role.ADMIN, username="session-user"))
    token = Token.objects.create(user=make_member(tenant_a, Role.VIEWER, username="token-user"))
    assert _current_tenant.get() is None

    response = client.get("/api/t/alpha/customers/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["ALPHA-1"]
    assert _current_tenant.get() is None
    assert timezone.get_current_timezone_name() == "UTC"


def test_the_token_users_role_decides_when_a_session_user_is_signed_in_too(client, tenant_a, make_member):
    client.force_login(make_member(tenant_a, Role.ADMIN, username="session-admin"))
    token = Token.objects.create(user=make_member(tenant_a, Role.VIEWER, username="token-viewer"))

    response = client.post(
        "/api/t/alpha/branches/",
        {"code": "LON", "name": "London"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert _current_tenant.get() is None


def test_a_token_users_foreign_tenant_is_a_404_and_leaves_no_tenant_behind(
    client, tenant_a, tenant_b, make_member
):
    client.force_login(make_member(tenant_a, Role.ADMIN, username="session-admin"))
    token = Token.objects.create(user=make_member(tenant_b, Role.ADMIN, username="beta-admin"))

    response = client.get("/api/t/alpha/customers/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 404
    assert _current_tenant.get() is None
    assert timezone.get_current_timezone_name() == "UTC"


def test_an_api_view_that_overrides_get_queryset_is_refused_when_it_is_defined():
    with pytest.raises(TypeError) as refused:

        class SneakyViewSet(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
            def get_queryset(self):
                return Customer.objects.unscoped()

    where = "test_an_api_view_that_overrides_get_queryset_is_refused_when_it_is_defined.<locals>"
    assert str(refused.value) == (
        f"tests.foundation.test_tenant_entry.{where}.SneakyViewSet must not override get_queryset() "
        f"(it comes from {where}.SneakyViewSet): TenantAPIMixin.get_queryset() scopes every query to the "
        "request's tenant, so write tenant_queryset() instead, and put TenantAPIMixin first among the bases."
    )


def test_an_api_view_whose_get_queryset_comes_before_the_mixin_is_refused_too():
    """DRF's own get_queryset, ahead of the mixin's in the MRO, would skip tenant_queryset()."""
    with pytest.raises(TypeError, match="must not override get_queryset"):

        class MixinLast(generics.ListAPIView, TenantAPIMixin):
            def tenant_queryset(self):
                return Customer.objects.all()


def test_an_api_view_with_tenant_queryset_is_accepted():
    class Fine(TenantAPIMixin, viewsets.ReadOnlyModelViewSet):
        def tenant_queryset(self):
            return Customer.objects.all()

    class FineToo(Fine):
        write_role = Role.ADMIN

    assert FineToo.get_queryset is TenantAPIMixin.get_queryset


def test_every_tenant_api_view_runs_the_mixins_get_queryset():
    from django.urls import get_resolver

    views = {
        pattern.callback.cls
        for pattern in _patterns(get_resolver())
        if getattr(pattern.callback, "cls", None) is not None
        and issubclass(pattern.callback.cls, TenantAPIMixin)
    }
    assert len(views) >= 10
    assert [v.__qualname__ for v in views if v.get_queryset is not TenantAPIMixin.get_queryset] == []


def _patterns(resolver):
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _patterns(pattern)
        else:
            yield pattern
