"""Branches and payment terms: listed, added and edited in place by a tenant admin; problems are shown on
the row or form they belong to and change nothing. One in use is deactivated (offered no more, kept where
it is used) rather than deleted; deleting it is refused saying how many customers and entries use it."""

import pytest
from django.contrib.messages import get_messages

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Branch, Customer, PaymentTerms
from ledger.models import LedgerEntry
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


@pytest.fixture
def in_use(setup):
    """London has a customer of its own and two entries (one of Manchester's customer: it trades through
    London); both customers have the 30D terms."""
    with tenant_context(setup["tenant"]):
        manchester = Branch.objects.get(code="MAN")
        crown = factories.customer(
            code="C1", name="Crown", branch=setup["london"], payment_terms=setup["terms"]
        )
        mill = factories.customer(code="C2", name="Mill", branch=manchester)
        factories.invoice(crown, "INV-1", "2026-10-01", "100.00", branch=setup["london"])
        factories.invoice(mill, "INV-2", "2026-10-02", "50.00", branch=setup["london"])
    return {**setup, "manchester": manchester, "crown": crown, "mill": mill}


def _row(body: str, code: str) -> str:
    return body[body.index(f'<tr data-row="{code}"') :].split("</tr>")[0]


def test_deleting_a_branch_in_use_is_refused_on_its_row_saying_how_many_use_it(in_use):
    pk = in_use["london"].pk
    response = in_use["client"].post(f"/t/alpha/setup/branches/{pk}/delete/")
    assert response.status_code == 400
    assert (
        '<div class="error" role="alert" data-row-error>Branch LON is used by 1 customer and 2 ledger '
        "entries: deactivate it instead, which keeps it where it is used and offers it no more.</div>"
    ) in _row(response.content.decode(), "LON")
    assert _branches(in_use) == [("LON", "London"), ("MAN", "Manchester")]


def test_a_branch_nothing_uses_is_deleted(in_use):
    with tenant_context(in_use["tenant"]):
        paris = factories.branch(code="PAR", name="Paris")
    response = in_use["client"].post(f"/t/alpha/setup/branches/{paris.pk}/delete/")
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Branch PAR deleted."]
    assert _branches(in_use) == [("LON", "London"), ("MAN", "Manchester")]


def test_an_inactive_branch_is_offered_no_more_but_stays_where_it_is_used(in_use, make_member):
    client, pk = in_use["client"], in_use["london"].pk
    response = client.post(f"/t/alpha/setup/branches/{pk}/active/", {"active": "0"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Branch LON is inactive: no longer offered."
    ]
    page = client.get("/t/alpha/setup/branches/").content.decode()
    assert '<span class="badge">Inactive</span>' in _row(page, "LON") and "Reactivate" in _row(page, "LON")
    option = f'<option value="{pk}"'
    for url in (
        "/t/alpha/customers/credit/?controller=",
        "/t/alpha/customers/",
        "/t/alpha/ledger/",
        "/t/alpha/",
    ):
        body = client.get(url).content.decode()
        assert option not in body, url
        assert f'<option value="{in_use["manchester"].pk}"' in body, url
    # still on its customer and entries, and a page filtered by it still names it and finds them
    with tenant_context(in_use["tenant"]):
        assert Customer.objects.get(code="C1").branch_id == pk
        assert sorted(LedgerEntry.objects.filter(branch_id=pk).values_list("document_no", flat=True)) == [
            "INV-1",
            "INV-2",
        ]
    ledger = client.get(f"/t/alpha/ledger/?branch={pk}").content.decode()
    assert "INV-1" in ledger and "INV-2" in ledger and f"{option} selected>" in ledger
    customers = client.get(f"/t/alpha/customers/?branch={pk}").content.decode()
    assert "Crown" in customers and "Mill" not in customers

    client.post(f"/t/alpha/setup/branches/{pk}/active/", {"active": "1"})
    assert option in client.get("/t/alpha/customers/").content.decode()
    with tenant_context(in_use["tenant"]):
        assert Branch.objects.get(pk=pk).is_active is True


def test_payment_terms_in_use_are_deactivated_not_deleted(in_use):
    client, pk = in_use["client"], in_use["terms"].pk
    response = client.post(f"/t/alpha/setup/payment-terms/{pk}/delete/")
    assert response.status_code == 400
    assert (
        "Payment terms 30D is used by 2 customers: deactivate it instead, which keeps it where it is used "
        "and offers it no more."
    ) in _row(response.content.decode(), "30D")
    client.post(f"/t/alpha/setup/payment-terms/{pk}/active/", {"active": "0"})
    with tenant_context(in_use["tenant"]):
        assert PaymentTerms.objects.get(pk=pk).is_active is False
        assert Customer.objects.get(code="C1").payment_terms_id == pk
        unused = PaymentTerms.objects.create(code="7D", days=7)
    assert client.post(f"/t/alpha/setup/payment-terms/{unused.pk}/delete/").status_code == 302
    with tenant_context(in_use["tenant"]):
        assert list(PaymentTerms.objects.values_list("code", "is_active")) == [("30D", False)]


@pytest.mark.parametrize("action", ["active", "delete"])
def test_only_an_admin_deactivates_or_deletes(in_use, make_member, client, action):
    client.force_login(make_member(in_use["tenant"], Role.MANAGER))
    response = client.post(f"/t/alpha/setup/branches/{in_use['london'].pk}/{action}/", {"active": "0"})
    assert response.status_code == 403
    with tenant_context(in_use["tenant"]):
        assert Branch.objects.get(pk=in_use["london"].pk).is_active is True
