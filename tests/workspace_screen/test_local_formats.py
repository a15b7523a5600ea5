"""Local formats on the pages: a German tenant's credit list, card and ledger read `1.234,56 EUR` and
`29.11.2026`, an English tenant's `1,234.56 GBP` and `29/11/2026`; the CSV export keeps `1234.56` and ISO
dates for both; amounts are typed in the tenant's format; the admin chooses the format on a setup page."""

import csv
import datetime
import io
import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role, Tenant
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from tests import factories


@pytest.fixture
def kontor(db, make_member):
    tenant = Tenant.objects.create(
        name="Kontor Handel GmbH",
        slug="kontor",
        local_currency="EUR",
        time_zone="Europe/Berlin",
        country="DE",
        language="de-de",
    )
    return tenant


def _book(tenant, make_member):
    """One customer owing 1,234.56 (an invoice of 1,500.00 and a payment of 265.44 on 2026-03-02)."""
    tenant_initialise(tenant)
    manager = make_member(tenant, Role.MANAGER, username=f"{tenant.slug}-maria")
    with tenant_context(tenant):
        customer = factories.customer(code="K1", name="Kunde Eins", credit_limit_lcy="25000.00")
        factories.invoice(customer, "RE-1", "2026-01-10", "1500.00")
        factories.payment(customer, "ZA-1", "2026-03-02", "265.44")
        recalculate_all(trigger="command")
    return manager, customer


def _cell(html: str, column: str) -> str:
    match = re.search(rf'<td data-column="{column}"[^>]*>(?:\s*<a href="[^"]+">)?([^<]*)', html)
    return match.group(1) if match else None


@pytest.mark.django_db
def test_a_german_tenant_reads_german_numbers_and_dates(kontor, make_member, client):
    manager, customer = _book(kontor, make_member)
    client.force_login(manager)

    html = client.get(
        "/t/kontor/customers/credit/?columns=code,name,balance,credit_limit,last_payment"
    ).content
    html = html.decode()
    assert _cell(html, "balance") == "1.234,56 EUR"
    assert _cell(html, "credit_limit") == "25.000,00 EUR"
    assert _cell(html, "last_payment") == "02.03.2026"

    card = client.get(f"/t/kontor/customers/{customer.pk}/").content.decode()
    assert re.search(r'data-figure="balance">1\.234,56 EUR<', card)
    assert re.search(r'data-figure="credit-limit">25\.000,00 EUR<', card)
    assert "02.03.2026 · 265,44 EUR" in card  # the last payment

    ledger = client.get(f"/t/kontor/ledger/?customer={customer.pk}").content.decode()
    assert "<td>10.01.2026</td>" in ledger
    assert '<td class="num">1.500,00 EUR</td>' in ledger


@pytest.mark.django_db
def test_an_english_tenant_reads_english_numbers_and_dates(tenant_a, make_member, client):
    manager, customer = _book(tenant_a, make_member)
    client.force_login(manager)
    html = client.get(
        "/t/alpha/customers/credit/?columns=code,name,balance,credit_limit,last_payment"
    ).content
    html = html.decode()
    assert _cell(html, "balance") == "1,234.56 GBP"
    assert _cell(html, "credit_limit") == "25,000.00 GBP"
    assert _cell(html, "last_payment") == "02/03/2026"
    card = client.get(f"/t/alpha/customers/{customer.pk}/").content.decode()
    assert re.search(r'data-figure="balance">1,234\.56 GBP<', card)


@pytest.mark.django_db
def test_the_csv_export_keeps_machine_formats_for_a_german_tenant(kontor, make_member, client):
    manager, _customer = _book(kontor, make_member)
    client.force_login(manager)
    response = client.get("/t/kontor/customers/credit/export.csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [(r["No."], r["Balance (LCY)"], r["Credit limit (LCY)"], r["Last payment"]) for r in rows] == [
        ("K1", "1234.56", "25000.00", "2026-03-02")
    ]


@pytest.mark.django_db
def test_the_api_keeps_machine_formats_for_a_german_tenant(kontor, make_member, api_for):
    manager, customer = _book(kontor, make_member)
    body = api_for(manager).get(f"/api/t/kontor/statistics/{customer.pk}/").json()
    assert (body["balance_lcy"], body["last_payment_date"]) == ("1234.56", "2026-03-02")


@pytest.mark.django_db
def test_a_credit_limit_is_typed_in_the_tenants_format(kontor, make_member, client):
    manager, customer = _book(kontor, make_member)
    client.force_login(manager)
    url = f"/t/kontor/customers/{customer.pk}/"
    refused = client.post(url, {"new_limit_lcy": "30.000.00", "note": "Gute Zahler"})
    assert "Write the amount as 1.234,56 or 1234,56: a comma before the cents" in refused.content.decode()
    client.post(url, {"new_limit_lcy": "30.000,50", "note": "Gute Zahler"})
    with tenant_context(kontor):
        assert str(Customer.objects.get(pk=customer.pk).credit_limit_lcy) == "30000.50"
    follow = client.get(f"/t/kontor/customers/{customer.pk}/").content.decode()
    assert "Credit limit reviewed: 30.000,50 EUR." in follow


@pytest.mark.django_db
def test_the_admin_chooses_the_formats(tenant_a, make_member, client):
    admin = make_member(tenant_a, Role.ADMIN, username="adam")
    client.force_login(admin)
    page = client.get("/t/alpha/setup/formats/").content.decode()
    assert '<strong data-example="amount">1,234.56 GBP</strong>' in page
    assert '<strong data-example="moment">29/11/2026 14:05</strong>' in page  # 14:05 UTC is 14:05 in London

    response = client.post("/t/alpha/setup/formats/", {"language": "de-de"})
    assert response.status_code == 302
    tenant_a.refresh_from_db()
    assert tenant_a.language == "de-de"
    page = client.get("/t/alpha/setup/formats/").content.decode()
    assert "Formats set to German (Germany): 1.234,56 · 29.11.2026." in page
    assert '<strong data-example="amount">1.234,56 GBP</strong>' in page

    refused = client.post("/t/alpha/setup/formats/", {"language": "xx-yy"})
    assert refused.status_code == 400
    assert "Select a valid choice. xx-yy is not one of the available choices." in refused.content.decode()


@pytest.mark.django_db
def test_a_viewer_and_a_controller_cannot_choose_the_formats(tenant_a, make_member, client):
    for role in (Role.VIEWER, Role.CONTROLLER):
        client.force_login(make_member(tenant_a, role))
        assert client.post("/t/alpha/setup/formats/", {"language": "de-de"}).status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.language == "en-gb"


@pytest.mark.django_db
def test_filters_offer_any_not_dashes(tenant_a, make_member, client):
    client.force_login(make_member(tenant_a, Role.MANAGER))
    for url in ("/t/alpha/customers/", "/t/alpha/ledger/", "/t/alpha/interactions/promises/"):
        html = client.get(url).content.decode()
        assert "---------" not in html, url
        assert '<option value="" selected>Any</option>' in html, url


def test_a_date_time_is_shown_in_the_tenants_zone(kontor):
    from creditcontrol.formats import moment_text

    late_evening = datetime.datetime(2026, 11, 29, 23, 30, tzinfo=datetime.UTC)
    with tenant_context(kontor):
        assert moment_text(late_evening) == "30.11.2026 00:30"


@pytest.mark.django_db
def test_the_timeline_pdf_follows_the_tenant_outside_a_request(kontor):
    """The PDF's HTML, rendered where only the tenant is set (as a task would), writes German figures."""
    from django.template.loader import render_to_string

    from interactions import selectors

    with tenant_context(kontor):
        customer = factories.customer(code="K2", name="Kunde Zwei")
        factories.invoice(customer, "RE-9", "2026-02-03", "1234.5")
        html = render_to_string(
            "interactions/timeline_pdf.html",
            {
                "tenant": kontor,
                "customer": customer,
                "events": selectors.customer_timeline(customer_id=customer.pk),
                "promise_counts": selectors.customer_promise_counts(customer_id=customer.pk),
                "printed_at": datetime.datetime(2026, 11, 29, 11, 22, tzinfo=datetime.UTC),
            },
        )
    assert "printed 29.11.2026 12:22 (Europe/Berlin)" in html
    assert "Invoice RE-9 posted: 1.234,50 EUR" in html
    assert "<td>03.02.2026</td>" in html
