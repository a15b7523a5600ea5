"""The balance due report: filter by balance status, type and group; record a payment from a row."""

import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import CustomerGroup
from ledger.models import LedgerEntry
from tests import factories


@pytest.fixture
def report(tenant_a, make_member, client):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        retail = CustomerGroup.objects.create(code="RETAIL", name="Retail")
        north = CustomerGroup.objects.create(code="RET-N", name="Retail North", parent=retail)
        owes = factories.customer(code="C1", name="Owes Ltd", customer_type="Retail", group=north)
        prepaid = factories.customer(code="C2", name="Prepaid Ltd", customer_type="Business")
        factories.customer(code="C3", name="Square Ltd", customer_type="Business")
        factories.invoice(owes, "I1", "2026-01-10", "300.00")
        factories.invoice(owes, "I2", "2026-02-10", "200.00")
        factories.payment(prepaid, "P1", "2026-02-01", "75.00")
        recalculate_all(trigger="command")
    client.force_login(make_member(tenant_a, Role.CONTROLLER))
    return {"client": client, "owes": owes, "tenant": tenant_a, "group": retail}


def rows(html):
    return re.findall(
        r'<tr id="bd-\d+" data-customer="\d+">\s*<td>.*?</td>\s*<td><a [^>]*>(\w+)</a>', html, re.S
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["C1", "C3", "C2"]),
        ("?balance_status=outstanding", ["C1"]),
        ("?balance_status=credit", ["C2"]),
        ("?balance_status=zero", ["C3"]),
        ("?balance_status=credit&balance_status=zero", ["C3", "C2"]),
        ("?customer_type=Business", ["C3", "C2"]),
        ("?group={retail}", ["C1"]),  # a parent group includes the groups below it
    ],
)
def test_filters(report, query, expected):
    html = report["client"].get("/t/alpha/customers/balance-due/" + query.format(retail=report["group"].pk))
    assert rows(html.content.decode()) == expected


def test_record_payment_from_a_row_applies_oldest_due_first(report):
    owes = report["owes"]
    response = report["client"].post(
        f"/t/alpha/customers/{owes.pk}/record-payment/",
        {"amount": "350.00", "posting_date": "2026-03-01", "document_no": "BANK-9"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'data-figure="balance"><a [^>]*>150.00 GBP</a>', html)
    assert "Payment BANK-9 of 350.00 GBP recorded: paid I1 (300.00), I2 (50.00)." in html
    with tenant_context(report["tenant"]):
        remaining = dict(
            LedgerEntry.objects.filter(customer=owes, document_type="invoice").values_list(
                "document_no", "remaining_amount"
            )
        )
    assert {k: str(v) for k, v in remaining.items()} == {"I1": "0.00", "I2": "150.00"}


def test_record_payment_refuses_bad_input(report):
    owes = report["owes"]
    response = report["client"].post(
        f"/t/alpha/customers/{owes.pk}/record-payment/",
        {"amount": "-5", "posting_date": "2026-03-01", "document_no": "X"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert (
        f'<span class="field-error" id="bd-{owes.pk}-amount-error" data-field="amount">'
        "Ensure this value is greater than or equal to 0.01.</span>"
    ) in response.content.decode()


def test_recalculate_all_filtered_selection(report):
    response = report["client"].post(
        "/t/alpha/customers/credit/recalculate/",
        {"all_filtered": "balance_status=outstanding", "next": "balance-due"},
        follow=True,
    )
    assert "Recalculating 1 customer." in response.content.decode()


def test_viewer_cannot_record_payments(report, make_member):
    client = report["client"]
    client.force_login(make_member(report["tenant"], Role.VIEWER, username="vera"))
    assert "Record payment" not in client.get("/t/alpha/customers/balance-due/").content.decode()
    response = client.post(
        f"/t/alpha/customers/{report['owes'].pk}/record-payment/",
        {"amount": "1.00", "posting_date": "2026-03-01", "document_no": "X"},
    )
    assert response.status_code == 403
