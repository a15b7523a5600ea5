"""Tenant resolution from the URL, the switcher, and the scoped manager that fails closed."""

import re

import pytest

from creditcontrol.models import Role, Tenant
from creditcontrol.tenancy import TenantNotSet, current_tenant, tenant_context
from customers.models import Customer


def _switcher_options(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select id="tenant-switch"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the page has no tenant switcher"
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select.group(1))


def test_a_member_gets_the_tenants_dashboard(client_for, tenant_a, make_member):
    client = client_for(make_member(tenant_a, role=Role.VIEWER))

    response = client.get("/t/alpha/")

    assert response.status_code == 200
    assert "Credit dashboard" in response.content.decode()
    assert response.context["tenant"] == tenant_a


def test_a_non_member_gets_the_same_404_as_for_a_tenant_that_does_not_exist(
    client_for, tenant_a, tenant_b, make_member
):
    client = client_for(make_member(tenant_b))

    foreign = client.get("/t/alpha/")
    missing = client.get("/t/no-such-company/")

    assert foreign.status_code == 404
    assert missing.status_code == 404
    assert foreign.content == missing.content
    assert "Alpha" not in foreign.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, tenant_a):
    response = client.get("/t/alpha/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/t/alpha/"


def test_anonymous_visitors_to_a_missing_tenant_are_also_sent_to_sign_in(client, db):
    """Before sign-in nobody learns which tenant slugs exist."""
    response = client.get("/t/no-such-company/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_tenant_switcher_lists_only_the_users_tenants(client_for, tenant_a, tenant_b, make_member):
    Tenant.objects.create(name="Gamma Foreign Co", slug="gamma", local_currency="USD")
    make_member(tenant_a, username="two-hats")
    # make_member sets the password again: sign in with the latest copy of the user.
    user = make_member(tenant_b, role=Role.VIEWER, username="two-hats")
    client = client_for(user)

    html = client.get("/t/beta/").content.decode()

    assert _switcher_options(html) == [("alpha", "Alpha Trading Ltd"), ("beta", "Beta Handel GmbH")]
    assert re.search(r'<option value="beta" selected>', html)
    assert "Gamma" not in html


def test_the_home_page_offers_a_choice_only_of_the_users_tenants(client_for, tenant_a, tenant_b, make_member):
    Tenant.objects.create(name="Gamma Foreign Co", slug="gamma", local_currency="USD")
    make_member(tenant_a, username="picker")
    user = make_member(tenant_b, username="picker")

    html = client_for(user).get("/").content.decode()

    assert "/t/alpha/" in html
    assert "/t/beta/" in html
    assert "gamma" not in html.lower()


def test_with_a_single_tenant_home_goes_straight_to_its_dashboard(client_for, tenant_a, make_member):
    response = client_for(make_member(tenant_a)).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/t/alpha/"


def test_the_scoped_manager_raises_when_no_tenant_is_active(db):
    with pytest.raises(TenantNotSet):
        Customer.objects.count()
    with pytest.raises(TenantNotSet):
        current_tenant()


def test_the_scoped_manager_sees_only_the_active_tenants_rows(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        Customer.objects.create(code="A1", name="Alpha's customer")
    with tenant_context(tenant_b):
        Customer.objects.create(code="B1", name="Beta's customer")
        Customer.objects.create(code="B2", name="Beta's other customer")

    with tenant_context(tenant_a):
        assert list(Customer.objects.values_list("code", flat=True)) == ["A1"]
    with tenant_context(tenant_b):
        assert sorted(Customer.objects.values_list("code", flat=True)) == ["B1", "B2"]
        assert not Customer.objects.filter(code="A1").exists()


def test_a_row_of_another_tenant_cannot_be_saved_from_inside_a_tenant(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        customer = Customer.objects.create(code="A1", name="Alpha's customer")

    with tenant_context(tenant_b), pytest.raises(TenantNotSet):
        customer.name = "Renamed from Beta"
        customer.save()


def test_the_tenant_is_reset_when_the_request_ends(client_for, tenant_a, make_member):
    client_for(make_member(tenant_a)).get("/t/alpha/")

    with pytest.raises(TenantNotSet):
        current_tenant()
