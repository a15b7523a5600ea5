"""The ERP's JSON bulk upsert: the same rows as the CSV formats, the same checks, idempotent."""

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import LedgerEntry


@pytest.fixture
def api(tenant_a, make_member, api_for):
    return api_for(make_member(tenant_a, Role.MANAGER))


def test_customers_then_entries_upserted_as_json(api, tenant_a):
    customers = [
        {
            "code": "C1",
            "name": "Crown Fabrics",
            "credit_limit": "5000.00",
            "blocked": False,
            "tags": ["key", "north"],
        },
        {"code": "C2", "name": "Delta Motors", "credit_limit": None},
    ]
    first = api.post("/api/t/alpha/import/customers/", customers, format="json")
    assert first.status_code == 200, first.json()
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    again = api.post("/api/t/alpha/import/customers/", customers, format="json")
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)
    entries = [
        {
            "external_id": "E1",
            "customer": "C1",
            "document_type": "invoice",
            "document_no": "SI-1",
            "posting_date": "2026-01-10",
            "amount": "120.00",
        }
    ]
    assert api.post("/api/t/alpha/import/entries/", entries, format="json").status_code == 200
    with tenant_context(tenant_a):
        assert Customer.objects.get(code="C1").tags == ["key", "north"]
        assert LedgerEntry.objects.get(external_id="E1").remaining_amount == 120


def test_bad_items_name_their_index_and_nothing_is_written(api, tenant_a):
    entries = [
        {
            "external_id": "E1",
            "customer": "C404",
            "document_type": "invoice",
            "document_no": "SI-1",
            "posting_date": "2026-01-10",
            "amount": "120.00",
        },
    ]
    response = api.post("/api/t/alpha/import/entries/", entries, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The file has 1 error: nothing was imported."
    assert [(e["index"], e["column"]) for e in body["errors"]] == [(0, "customer")]
    response = api.post("/api/t/alpha/import/customers/", [{"code": "C1", "colour": "red"}], format="json")
    assert response.json()["errors"] == [
        {"index": None, "row": 0, "column": "colour", "message": "Unknown field."}
    ]
    with tenant_context(tenant_a):
        assert not LedgerEntry.objects.exists() and not Customer.objects.exists()
