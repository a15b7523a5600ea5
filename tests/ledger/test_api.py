"""The ledger API: posting, recording a payment, applying, undoing, balances; clear 400s; roles."""

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from tests.factories import customer, invoice, payment


@pytest.fixture
def setup(tenant_a, make_member, api_for):
    with tenant_context(tenant_a):
        c = customer()
        inv1 = invoice(c, "INV1", "2026-01-10", "100.00")
        inv2 = invoice(c, "INV2", "2026-01-15", "50.00")
    return {
        "customer": c,
        "inv1": inv1,
        "inv2": inv2,
        "api": api_for(make_member(tenant_a, Role.CONTROLLER)),
        "base": "/api/t/alpha",
    }


def test_post_entry_and_filter(setup):
    api, base, c = setup["api"], setup["base"], setup["customer"]
    response = api.post(
        f"{base}/entries/",
        {
            "customer": c.pk,
            "document_type": "invoice",
            "document_no": "INV3",
            "posting_date": "2026-02-01",
            "amount": "75.50",
            "external_id": "ERP-3",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["due_date"], body["remaining_amount"], body["currency_code"]) == (
        "2026-03-03",
        "75.50",
        "GBP",
    )
    listed = api.get(f"{base}/entries/", {"customer": c.pk, "open": "true", "due_from": "2026-02-10"}).json()
    assert [row["document_no"] for row in listed["results"]] == ["INV2", "INV3"]


def test_bad_input_answers_400_with_a_body(setup):
    api, base, c = setup["api"], setup["base"], setup["customer"]
    response = api.post(
        f"{base}/entries/",
        {
            "customer": c.pk,
            "document_type": "payment",
            "document_no": "P1",
            "posting_date": "2026-13-01",
            "amount": "abc",
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"posting_date", "amount"}
    response = api.post(
        f"{base}/entries/",
        {
            "customer": c.pk,
            "document_type": "payment",
            "document_no": "P1",
            "posting_date": "2026-02-01",
            "amount": "10.00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A payment must have a negative amount.",
        "code": "invalid",
        "errors": {"amount": ["Must be zero or less."]},
    }
    response = api.post(
        f"{base}/entries/",
        {
            "customer": c.pk,
            "document_type": "invoice",
            "document_no": "X",
            "posting_date": "2026-02-01",
            "amount": "10.00",
            "external_id": "INV1",
        },
        format="json",
    )
    assert response.json() == {"external_id": ["An entry with external id INV1 already exists."]}


def test_record_payment_then_undo(setup):
    api, base, c = setup["api"], setup["base"], setup["customer"]
    response = api.post(
        f"{base}/entries/record-payment/",
        {"customer": c.pk, "amount": "120.00", "posting_date": "2026-02-20", "document_no": "BANK-7"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["payment"]["remaining_amount"] == "0.00"
    assert [(a["applied_entry"], a["amount"]) for a in body["applications"]] == [
        (setup["inv1"].pk, "100.00"),
        (setup["inv2"].pk, "20.00"),
    ]
    balance = api.get(f"{base}/customers/{c.pk}/balance/", {"as_of": "2026-02-20"}).json()
    assert balance["balance_lcy"] == "30.00"
    assert (
        api.get(f"{base}/customers/{c.pk}/balance/", {"as_of": "2026-02-19"}).json()["balance_lcy"]
        == "150.00"
    )
    undo = api.post(
        f"{base}/applications/{body['applications'][1]['id']}/undo/",
        {"undone_on": "2026-02-21"},
        format="json",
    )
    assert undo.status_code == 200 and undo.json()["undone_on"] == "2026-02-21"
    again = api.post(
        f"{base}/applications/{body['applications'][1]['id']}/undo/",
        {"undone_on": "2026-02-22"},
        format="json",
    )
    assert again.status_code == 400
    assert (
        again.json()["detail"]
        == f"Application {body['applications'][1]['id']} was already undone on 2026-02-21."
    )
    assert api.get(f"{base}/customers/{c.pk}/balance/", {"as_of": "x"}).json() == {
        "as_of": ["'x' is not a date (use YYYY-MM-DD)."]
    }


def test_over_application_through_the_api(setup):
    api, base, c = setup["api"], setup["base"], setup["customer"]
    with tenant_context(c.tenant):
        pay = payment(c, "PAY1", "2026-02-01", "500.00")
    response = api.post(
        f"{base}/applications/",
        {
            "applying_entry": pay.pk,
            "applied_entry": setup["inv2"].pk,
            "amount": "60.00",
            "posting_date": "2026-02-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert (
        response.json()["detail"] == f"Cannot apply 60.00: entry {setup['inv2'].pk} has only 50.00 remaining."
    )


def test_viewer_cannot_post(setup, tenant_a, make_member, api_for):
    viewer = api_for(make_member(tenant_a, Role.VIEWER))
    response = viewer.post(f"{setup['base']}/entries/", {}, format="json")
    assert response.status_code == 403
    assert viewer.get(f"{setup['base']}/entries/").status_code == 200


def test_credit_limit_review_keeps_history(setup, tenant_a, make_member, api_for):
    c = setup["customer"]
    manager = api_for(make_member(tenant_a, Role.MANAGER))
    assert (
        setup["api"]
        .post(
            f"{setup['base']}/credit-limit-changes/",
            {"customer": c.pk, "new_limit_lcy": "5000.00", "note": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    first = manager.post(
        f"{setup['base']}/credit-limit-changes/",
        {
            "customer": c.pk,
            "new_limit_lcy": "5000.00",
            "note": "Trade references checked",
            "checked_on": "2026-03-01",
        },
        format="json",
    )
    assert first.status_code == 201, first.json()
    second = manager.post(
        f"{setup['base']}/credit-limit-changes/",
        {"customer": c.pk, "new_limit_lcy": None, "note": "Guaranteed by parent"},
        format="json",
    )
    assert (second.json()["old_limit_lcy"], second.json()["new_limit_lcy"]) == ("5000.00", None)
    history = manager.get(f"{setup['base']}/credit-limit-changes/", {"customer": c.pk}).json()["results"]
    assert [(h["old_limit_lcy"], h["new_limit_lcy"], h["changed_by"]) for h in history] == [
        ("5000.00", None, "alpha-manager"),
        (None, "5000.00", "alpha-manager"),
    ]
    customer_body = manager.get(f"{setup['base']}/customers/{c.pk}/").json()
    assert customer_body["credit_limit_lcy"] is None
    assert manager.post(
        f"{setup['base']}/credit-limit-changes/",
        {"customer": c.pk, "new_limit_lcy": "-1", "note": ""},
        format="json",
    ).json() == {
        "detail": "A credit limit cannot be negative.",
        "code": "invalid",
        "errors": {"new_limit_lcy": ["Must be zero or more."]},
    }


def test_record_payment_with_an_existing_external_id_is_a_400_not_a_500(setup):
    """The uniqueness of the ERP's id is checked by the service (it was an IntegrityError, a 500)."""
    api, base, c = setup["api"], setup["base"], setup["customer"]
    body = {
        "customer": c.pk,
        "amount": "30.00",
        "posting_date": "2026-02-20",
        "document_no": "PMT-DUP",
        "external_id": "INV1",
    }
    response = api.post(f"{base}/entries/record-payment/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "An entry with external id INV1 already exists.",
        "code": "duplicate",
        "errors": {"external_id": ["An entry with external id INV1 already exists."]},
    }
    with tenant_context(c.tenant):
        assert not c.entries.filter(document_no="PMT-DUP").exists()
