"""Branches and payment terms: listed, added and edited in place by a tenant admin; problems are shown on
the row or form they belong to and change nothing."""

import pytest
from django.contrib.messages import get_messages

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Branch, PaymentTerms
from tests import factories


@pytest.fixture
def setup(tenant_a, tenant_b, make_member, client):
    with tenant_context(tenant_a):
        london = factories.branch(code="LON", name="London")
        factories.branch(code="MAN", name="Manchester")
        terms = PaymentTerms.objects.create(code="30D", description="30 days", days=30)
    with tenant_context(tenant_b):
        beta = factories.branch(code="BER", name="Berlin")
    client.force_login(make_member(tenant_a, Role.ADMIN, username="ada"))
    return {"client": client, "tenant": tenant_a, "london": london, "terms": terms, "beta": beta}


def _branches(setup):
    with tenant_context(setup["tenant"]):
        return list(Branch.objects.values_list("code", "name"))


def test_the_list_shows_this_tenants_branches_each_as_a_form(setup):
    page = setup["client"].get("/t/alpha/setup/branches/").content.decode()
    pk = setup["london"].pk
    assert '<tr data-row="LON">' in page and '<tr data-row="MAN">' in page and "BER" not in page
    assert f'name="row{pk}-name" value="London"' in page and f'form="edit-{pk}"' in page


def test_adding_and_renaming_a_branch(setup):
    client, pk = setup["client"], setup["london"].pk
    added = client.post("/t/alpha/setup/branches/", {"new-code": "PAR", "new-name": "Paris"})
    assert added.status_code == 302 and [str(m) for m in get_messages(added.wsgi_request)] == [
        "Branch PAR saved."
    ]
    client.post(f"/t/alpha/setup/branches/{pk}/", {f"row{pk}-code": "LDN", f"row{pk}-name": "London City"})
    assert _branches(setup) == [("LDN", "London City"), ("MAN", "Manchester"), ("PAR", "Paris")]


def test_a_duplicate_code_is_shown_on_its_row_and_changes_nothing(setup):
    pk = setup["london"].pk
    response = setup["client"].post(
        f"/t/alpha/setup/branches/{pk}/", {f"row{pk}-code": "MAN", f"row{pk}-name": "London"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    row = body[body.index('<tr data-row="LON">') :].split("</tr>")[0]
    assert '<div class="error" data-field-error="code">A branch with code MAN already exists.</div>' in row
    assert _branches(setup) == [("LON", "London"), ("MAN", "Manchester")]


def test_payment_terms_added_and_edited_with_their_limits(setup):
    client, pk = setup["client"], setup["terms"].pk
    client.post(
        "/t/alpha/setup/payment-terms/",
        {
            "new-code": "60EOM",
            "new-description": "60 days after month end",
            "new-rule": "eom",
            "new-days": "60",
        },
    )
    too_long = client.post(
        f"/t/alpha/setup/payment-terms/{pk}/",
        {
            f"row{pk}-code": "30D",
            f"row{pk}-description": "",
            f"row{pk}-rule": "net",
            f"row{pk}-days": "100000",
        },
    )
    assert too_long.status_code == 400
    assert 'data-field-error="days">Payment terms cannot give more than' in too_long.content.decode()
    client.post(
        f"/t/alpha/setup/payment-terms/{pk}/",
        {
            f"row{pk}-code": "30D",
            f"row{pk}-description": "Net 45",
            f"row{pk}-rule": "net",
            f"row{pk}-days": "45",
        },
    )
    with tenant_context(setup["tenant"]):
        assert list(PaymentTerms.objects.values_list("code", "description", "rule", "days")) == [
            ("30D", "Net 45", "net", 45),
            ("60EOM", "60 days after month end", "eom", 60),
        ]


def test_another_tenants_branch_is_a_404(setup):
    pk = setup["beta"].pk
    response = setup["client"].post(
        f"/t/alpha/setup/branches/{pk}/", {f"row{pk}-code": "X", f"row{pk}-name": "X"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONTROLLER, Role.VIEWER])
def test_only_an_admin(setup, make_member, client, role):
    client.force_login(make_member(setup["tenant"], role))
    assert client.get("/t/alpha/setup/branches/").status_code == 403
    assert client.post("/t/alpha/setup/payment-terms/", {"new-code": "X"}).status_code == 403
