"""Bounds in one place (creditcontrol.bounds): what the product accepts, everything downstream can hold.

Before: amounts of 16 integer digits were accepted, and two of them overflowed the stored statistics
(numeric(18,2)), so no customer of the tenant was recalculated any more; a posting date of 9999-12-31 with
payment terms stored a due date in year 10000, which Python cannot read (the card, the ledger and the
entries API answered 500)."""

import datetime
from decimal import Decimal

import pytest

from aging.models import CustomerStatistics
from aging.services import aging_bands_replace, recalculate_all
from creditcontrol.errors import DomainError
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from ledger.services import ledger_entry_post
from tests import factories
from tests.imports.helpers import run_import

LARGEST = "9999999999999.99"


@pytest.fixture
def world(tenant_a, make_member, api_for, client):
    tenant_initialise(tenant_a)
    manager = make_member(tenant_a, Role.MANAGER)
    client.force_login(manager)
    with tenant_context(tenant_a):
        customer = factories.customer(code="B1", name="Bounded Ltd")
    return {"tenant": tenant_a, "customer": customer, "api": api_for(manager), "client": client}


def _post(world, **fields):
    body = {
        "customer": world["customer"].pk,
        "document_type": "invoice",
        "document_no": "SI-B",
        "posting_date": "2026-01-10",
        "amount": "10.00",
        **fields,
    }
    return world["api"].post("/api/t/alpha/entries/", body, format="json")


def test_an_amount_past_the_bound_is_refused_with_the_bound_in_the_message(world):
    response = _post(world, amount="10000000000000.00")
    assert response.status_code == 400
    assert response.json()["errors"] == {"amount": ["At most 9,999,999,999,999.99 either way."]}
    with tenant_context(world["tenant"]):
        result = run_import(
            "entries",
            "external_id,customer,document_type,document_no,posting_date,amount\n"
            "E1,B1,invoice,SI1,2026-01-10,9999999999999999.99\n",
        )
    assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
        (2, "amount", "'9999999999999999.99' is too large: At most 9,999,999,999,999.99 either way.")
    ]


def test_a_thousand_largest_amounts_on_one_customer_still_recalculate(world):
    with tenant_context(world["tenant"]):
        rows = "".join(f"E{n},B1,invoice,SI{n},2026-01-10,{LARGEST}\n" for n in range(1100))
        result = run_import(
            "entries", "external_id,customer,document_type,document_no,posting_date,amount\n" + rows
        )
        assert result.ok, result.errors
        run = recalculate_all(trigger="command")
        assert run.status == "succeeded", run.message
        statistics = CustomerStatistics.objects.get(customer=world["customer"])
    assert statistics.balance_lcy == Decimal(LARGEST) * 1100  # 10,999,999,999,999,989.00: past numeric(18,2)


def test_a_date_past_the_bound_is_refused_and_the_last_one_allowed_gives_a_readable_due_date(world):
    response = _post(world, posting_date="9999-12-31")
    assert response.status_code == 400
    assert response.json()["errors"] == {"posting_date": ["Must be between 1900-01-01 and 2199-12-31."]}
    with tenant_context(world["tenant"]):
        result = run_import(
            "entries",
            "external_id,customer,document_type,document_no,posting_date,amount\n"
            "E1,B1,invoice,SI1,9999-12-31,10.00\n",
        )
        assert [(e["row"], e["column"], e["message"]) for e in result.errors] == [
            (2, "posting_date", "'9999-12-31': Must be between 1900-01-01 and 2199-12-31.")
        ]
        entry = ledger_entry_post(
            customer=world["customer"],
            document_type="invoice",
            document_no="SI-LAST",
            posting_date=datetime.date(2199, 12, 31),
            amount=Decimal("10.00"),
        )
    assert entry.due_date == datetime.date(2200, 1, 30)  # the customer's 30-day terms
    card = world["client"].get(f"/t/alpha/customers/{world['customer'].pk}/")
    assert card.status_code == 200 and "30/01/2200" in card.content.decode()
    assert world["api"].get("/api/t/alpha/entries/?ordering=-due_date").status_code == 200


def test_an_aging_band_bound_past_the_bound_is_refused(world):
    with tenant_context(world["tenant"]), pytest.raises(DomainError) as refused:
        aging_bands_replace(
            bands=[
                {"label": "Not due", "from_days": None, "to_days": 0},
                {"label": "Late", "from_days": 1, "to_days": 10**20},
                {"label": "Later", "from_days": 10**20 + 1, "to_days": None},
            ]
        )
    assert refused.value.details["bands"][:2] == [
        "Band 2: 'to' must be between -36500 and 36500 days.",
        "Band 3: 'from' must be between -36500 and 36500 days.",
    ]
