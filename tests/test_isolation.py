"""Tenancy fails closed: a user of tenant B never sees or touches tenant A's rows, on any route."""

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from tests import factories
from tests.isolation import TENANT_ROUTES, one_customer_of_everything, route_path, tenant_routes

MARKER = "ALPHA-SECRET"


@pytest.fixture
def world(tenant_a, tenant_b, make_member, client):
    """Tenant A with one of everything, marked; user B is an admin of tenant B only."""
    with tenant_context(tenant_a):
        objects = one_customer_of_everything(tenant_a, marker=MARKER, setup_marker=MARKER)
    with tenant_context(tenant_b):
        factories.customer(code="BETA-C", name="Beta Customer")
    user_b = make_member(tenant_b, Role.ADMIN, username="beta-admin")
    client.force_login(user_b)
    return {"objects": objects, "client": client, "a": tenant_a, "b": tenant_b}


def test_every_tenant_route_is_covered():
    missing = sorted(set(tenant_routes()) - set(TENANT_ROUTES))
    assert missing == [], f"add these routes to tests/isolation.py TENANT_ROUTES: {missing}"


@pytest.mark.parametrize("name", sorted(TENANT_ROUTES))
def test_another_tenants_slug_is_a_404(world, name):
    method, key = TENANT_ROUTES[name]
    path = route_path(tenant_routes()[name], world["a"].slug, world["objects"].get(key))
    response = getattr(world["client"], method)(path)
    assert response.status_code == 404, path


@pytest.mark.parametrize("name", sorted(n for n, (_, key) in TENANT_ROUTES.items() if key))
def test_another_tenants_id_is_a_404_in_your_own_tenant(world, name):
    method, key = TENANT_ROUTES[name]
    path = route_path(tenant_routes()[name], world["b"].slug, world["objects"][key])
    response = (
        getattr(world["client"], method)(path, {"undone_on": "2026-02-01"})
        if method == "post"
        else world["client"].get(path)
    )
    assert response.status_code == 404, path


@pytest.mark.parametrize("name", sorted(n for n, (m, key) in TENANT_ROUTES.items() if m == "get" and not key))
def test_lists_show_none_of_another_tenants_rows(world, name):
    path = route_path(tenant_routes()[name], world["b"].slug, None)
    # Searching for tenant A's marker from tenant B must find nothing; other lists are asked plainly.
    response = world["client"].get(path, {"q": MARKER} if name == "search" else {})
    assert response.status_code == 200, path
    body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
    if name == "search":  # the page repeats the query itself: look for A's rows, not for the word
        body = body.replace(f'value="{MARKER}"', "").replace(f"“{MARKER}”", "")
    assert MARKER not in body


def test_foreign_related_ids_are_refused(world):
    """Posting in tenant B with tenant A's customer id: a validation error, as for an unknown id."""
    client, customer = world["client"], world["objects"]["customer"]
    response = client.post(
        f"/api/t/{world['b'].slug}/entries/record-payment/",
        {"customer": customer.pk, "amount": "10.00", "posting_date": "2026-02-01", "document_no": "X"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"customer": [f'Invalid pk "{customer.pk}" - object does not exist.']}
