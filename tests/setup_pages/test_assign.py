"""Assigning customers to a controller in bulk from the customers page: the ticked rows, or every
customer the filter matches; only members who can work customers are offered or accepted."""

import pytest
from django.contrib.messages import get_messages

from creditcontrol import changes
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer, CustomerGroup
from customers.services import customers_controller_assign
from tests import factories


@pytest.fixture
def world(tenant_a, tenant_b, make_member, client):
    """Tenant A: 20 retail customers, 5 trade ones (one already Carl's); an admin signed in."""
    admin = make_member(tenant_a, Role.ADMIN, username="ada")
    carl = make_member(tenant_a, Role.CONTROLLER, username="carl")
    vera = make_member(tenant_a, Role.VIEWER, username="vera")
    beta = make_member(tenant_b, Role.CONTROLLER, username="beta-controller")
    with tenant_context(tenant_a):
        retail = CustomerGroup.objects.create(code="RETAIL", name="Retail")
        trade = CustomerGroup.objects.create(code="TRADE", name="Trade")
        for i in range(20):
            factories.customer(code=f"R{i:02}", name=f"Retail {i}", group=retail)
        for i in range(5):
            factories.customer(
                code=f"T{i:02}", name=f"Trade {i}", group=trade, controller=carl if i == 0 else None
            )
    client.force_login(admin)
    return {
        "client": client,
        "tenant": tenant_a,
        "admin": admin,
        "carl": carl,
        "vera": vera,
        "beta": beta,
        "retail": retail,
        "trade": trade,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _assigned(world) -> dict[str, str | None]:
    with tenant_context(world["tenant"]):
        return {c.code: (c.controller.username if c.controller else None) for c in Customer.objects.all()}


def test_all_twenty_matching_the_filter_and_only_those(world, monkeypatch):
    published = []
    monkeypatch.setattr(changes, "_subscribers", [*changes._subscribers, published.append])
    query = f"group={world['retail'].pk}&sort=code"
    response = world["client"].post(
        "/t/alpha/customers/assign/",
        {"controller": world["carl"].pk, "scope": "filter", "query": query},
    )
    assert response.status_code == 302 and response["Location"] == f"/t/alpha/customers/?{query}"
    assert _messages(response) == ["20 customers assigned to carl."]
    assigned = _assigned(world)
    assert {code for code, who in assigned.items() if who == "carl"} == {f"R{i:02}" for i in range(20)} | {
        "T00"
    }
    assert [assigned[f"T{i:02}"] for i in range(1, 5)] == [None] * 4
    with tenant_context(world["tenant"]):
        retail_ids = set(Customer.objects.filter(group=world["retail"]).values_list("pk", flat=True))
    assert [c.customer_ids for c in published] == [retail_ids]
    assert published[0].sources == {"customer"}


def test_the_ticked_rows(world):
    with tenant_context(world["tenant"]):
        ids = list(Customer.objects.filter(code__in=["R03", "T01", "T00"]).values_list("pk", flat=True))
    response = world["client"].post(
        "/t/alpha/customers/assign/", {"controller": world["carl"].pk, "scope": "selected", "customers": ids}
    )
    assert _messages(response) == ["2 customers assigned to carl."]  # T00 was his already
    assert sorted(code for code, who in _assigned(world).items() if who == "carl") == ["R03", "T00", "T01"]


def test_the_page_offers_controllers_and_above_but_no_viewer_nor_another_tenants_user(world):
    whole = world["client"].get("/t/alpha/customers/").content.decode()
    page = whole[whole.index('<select id="assign-controller"') :]
    page = page[: page.index("</select>")]
    assert f'<option value="{world["carl"].pk}">carl</option>' in page
    assert f'<option value="{world["admin"].pk}">ada</option>' in page
    assert f'<option value="{world["vera"].pk}">' not in page
    assert f'<option value="{world["beta"].pk}">' not in page
    assert "Assign all 25 matching the filter" in whole
    filtered = world["client"].get(f"/t/alpha/customers/?group={world['trade'].pk}").content.decode()
    assert "Assign all 5 matching the filter" in filtered


@pytest.mark.parametrize("who", ["vera", "beta"])
def test_a_viewer_or_another_tenants_user_is_refused_and_nothing_changes(world, who):
    before = _assigned(world)
    response = world["client"].post(
        "/t/alpha/customers/assign/", {"controller": world[who].pk, "scope": "filter", "query": ""}
    )
    assert _messages(response) == [
        "Unknown credit controller. Choose a credit controller, manager or tenant admin of this company."
    ]
    assert _assigned(world) == before


def test_nothing_ticked_or_no_controller_chosen_says_so(world):
    client = world["client"]
    nothing = client.post("/t/alpha/customers/assign/", {"controller": world["carl"].pk, "scope": "selected"})
    assert _messages(nothing) == ["Tick the customers to assign, or choose all that match the filter."]
    client.get("/t/alpha/customers/")  # the messages shown
    nobody = client.post("/t/alpha/customers/assign/", {"controller": "", "scope": "filter"})
    assert _messages(nobody) == ["Choose the controller to assign."]
    assert list(_assigned(world).values()).count("carl") == 1


def test_a_manager_may_assign_a_controller_may_not(world, make_member, client):
    client.force_login(make_member(world["tenant"], Role.MANAGER, username="mia"))
    response = client.post("/t/alpha/customers/assign/", {"controller": world["carl"].pk, "scope": "filter"})
    assert _messages(response) == ["24 customers assigned to carl."]  # T00 was his already
    client.force_login(world["carl"])
    assert client.post("/t/alpha/customers/assign/", {"controller": world["carl"].pk}).status_code == 403
    assert b'id="assign-form"' not in client.get("/t/alpha/customers/").content


def test_the_service_refuses_an_unknown_controller(world):
    with tenant_context(world["tenant"]), pytest.raises(DomainError) as refused:
        customers_controller_assign(customers=Customer.objects.all(), controller_id=world["vera"].pk)
    assert refused.value.message == "Unknown credit controller."
