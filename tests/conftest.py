"""Shared fixtures: two tenants, users in each role, signed-in clients, and entering a tenant."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from creditcontrol.models import Membership, Role, Tenant
from creditcontrol.tenancy import tenant_context

PASSWORD = "correct-horse-battery"


@pytest.fixture
def tenant_a(db):
    return Tenant.objects.create(
        name="Alpha Trading Ltd", slug="alpha", local_currency="GBP", time_zone="Europe/London"
    )


@pytest.fixture
def tenant_b(db):
    return Tenant.objects.create(
        name="Beta Handel GmbH", slug="beta", local_currency="EUR", time_zone="Europe/Berlin"
    )


@pytest.fixture
def make_member(db):
    def make(tenant, role=Role.MANAGER, username=None):
        username = username or f"{tenant.slug}-{role}"
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.set_password(PASSWORD)
        user.save()
        Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role})
        return user

    return make


@pytest.fixture
def in_tenant(tenant_a):
    """Enter tenant A for the duration of the test (services and selectors need a tenant)."""
    with tenant_context(tenant_a):
        yield tenant_a


@pytest.fixture
def client_for(client):
    def make(user):
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    def make(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return make
