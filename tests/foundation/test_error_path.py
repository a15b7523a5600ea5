"""One error path for pages: a broken business rule (DomainError) shows in the styled page, never as a bare
fragment or a 500, with DEBUG off; for htmx it goes to the page's error area (#page-errors), retargeted."""

import re

import pytest

from aging.models import RecalculationRun
from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.services import interaction_create
from ledger.models import DocumentType, LedgerEntry
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def no_debug(settings):
    settings.DEBUG = False


@pytest.fixture
def book(tenant_a, make_member, client):
    """Tenant A (GBP): a customer in pounds owing two invoices, and one in dollars owing one."""
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        pounds = factories.customer(code="C1", name="Pounds Ltd")
        dollars = factories.customer(code="C2", name="Dollars Inc", currency_code="USD")
        factories.invoice(pounds, "I1", "2026-01-10", "300.00")
        factories.invoice(pounds, "I2", "2026-02-10", "200.00")
        factories.invoice(dollars, "I3", "2026-01-10", "100.00", amount_lcy="80.00")
        recalculate_all(trigger="command")
    client.force_login(make_member(tenant_a, Role.ADMIN))
    return {"client": client, "tenant": tenant_a, "pounds": pounds, "dollars": dollars}


def _payments(tenant, customer):
    with tenant_context(tenant):
        return list(
            LedgerEntry.objects.filter(customer=customer, document_type=DocumentType.PAYMENT).values_list(
                "document_no", "amount", "amount_lcy"
            )
        )


def _styled_page(html: str) -> None:
    assert html.startswith("<!doctype html>")
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert '<div id="page-errors" aria-live="assertive">' in html


def test_every_page_has_an_error_area_and_lets_htmx_swap_a_422(book):
    html = book["client"].get("/t/alpha/customers/balance-due/").content.decode()

    _styled_page(html)
    assert '<div id="page-errors" aria-live="assertive"></div>' in html
    assert '{"code": "422", "swap": true}' in html


# --- record a payment from a balance due row -----------------------------------------------------


def test_a_payment_with_a_bad_amount_shows_the_error_next_to_the_field_in_the_row(book):
    pk = book["pounds"].pk

    response = book["client"].post(
        f"/t/alpha/customers/{pk}/record-payment/",
        {"amount": "-5", "posting_date": "2026-03-01", "document_no": "BANK-1"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "HX-Retarget" not in response  # the row itself is swapped, with the error in it
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="bd-{pk}" data-customer="{pk}">')
    assert (
        f'<span class="field-error" id="bd-{pk}-amount-error" data-field="amount">'
        "Ensure this value is greater than or equal to 0.01.</span>"
    ) in html
    assert 'value="-5"' in html and 'value="BANK-1"' in html  # what was typed stays
    assert 'class="record-payment"' in html
    assert _payments(book["tenant"], book["pounds"]) == []


def test_a_foreign_currency_payment_without_its_lcy_amount_shows_the_error_next_to_that_field(book):
    pk = book["dollars"].pk

    response = book["client"].post(
        f"/t/alpha/customers/{pk}/record-payment/",
        {"amount": "50.00", "posting_date": "2026-03-01", "document_no": "BANK-2"},
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        f'<span class="field-error" id="bd-{pk}-amount_lcy-error" data-field="amount_lcy">'
        "Give the amount in local currency at the posting rate.</span>"
    ) in html
    assert "amount_lcy is required" not in html
    assert _payments(book["tenant"], book["dollars"]) == []


def test_a_foreign_currency_payment_with_its_lcy_amount_is_recorded(book):
    pk = book["dollars"].pk
    page = book["client"].get("/t/alpha/customers/balance-due/").content.decode()
    assert 'placeholder="Amount (USD)"' in page and 'name="amount_lcy" placeholder="Amount (GBP)"' in page

    response = book["client"].post(
        f"/t/alpha/customers/{pk}/record-payment/",
        {"amount": "50.00", "amount_lcy": "40.00", "posting_date": "2026-03-01", "document_no": "BANK-3"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<div class="muted" role="status">Payment BANK-3 of 50.00 USD recorded: paid I3 (50.00).</div>'
        in html
    )
    assert re.search(r'data-figure="balance"><a [^>]*>40.00 GBP</a>', html)
    assert [(n, str(a), str(lcy)) for n, a, lcy in _payments(book["tenant"], book["dollars"])] == [
        ("BANK-3", "-50.00", "-40.00")
    ]


def test_a_payment_without_htmx_goes_back_to_the_report_with_a_message(book):
    client, pk = book["client"], book["pounds"].pk

    refused = client.post(
        f"/t/alpha/customers/{pk}/record-payment/",
        {"amount": "lots", "posting_date": "2026-02-30", "document_no": "BANK-4"},
    )
    page = client.get(refused["Location"]).content.decode()
    recorded = client.post(
        f"/t/alpha/customers/{pk}/record-payment/",
        {"amount": "10.00", "posting_date": "2026-03-01", "document_no": "BANK-5"},
        follow=True,
    )

    assert refused.status_code == 302
    assert refused["Location"] == "/t/alpha/customers/balance-due/"
    _styled_page(page)
    assert (
        '<li class="error">The payment for C1 was not recorded. Amount: Enter a number. '
        "Posting date: Enter a valid date.</li>"
    ) in page
    assert recorded.status_code == 200
    assert (
        '<li class="success">C1: Payment BANK-5 of 10.00 GBP recorded: paid I1 (10.00).</li>'
        in recorded.content.decode()
    )


# --- a domain error nobody catches ----------------------------------------------------------------


@pytest.fixture
def interaction(book):
    with tenant_context(book["tenant"]):
        invoice = LedgerEntry.objects.get(document_no="I1")
        return interaction_create(
            customer=book["pounds"], user=None, description="Call", entry_ids=[invoice.pk]
        )


def test_htmx_gets_a_domain_error_in_the_page_error_area(book, interaction):
    with tenant_context(book["tenant"]):
        other = LedgerEntry.objects.get(document_no="I3").pk

    response = book["client"].post(
        f"/t/alpha/interactions/{interaction.pk}/lines/", {"entry": other, "selected": "on"}, **HTMX
    )

    assert response.status_code == 422
    assert response["HX-Retarget"] == "#page-errors"
    assert response["HX-Reswap"] == "innerHTML"
    assert response.content.decode() == (
        '<div class="page-error" role="alert">\n'
        f"  <strong>Entries [{other}] are not lines of this interaction.</strong>\n"
        "  \n"
        "</div>\n"
    )


def test_a_form_gets_a_domain_error_back_on_the_page_it_was_posted_from(book, interaction):
    with tenant_context(book["tenant"]):
        other = LedgerEntry.objects.get(document_no="I3").pk
    page = f"/t/alpha/interactions/{interaction.pk}/"

    response = book["client"].post(
        f"/t/alpha/interactions/{interaction.pk}/lines/",
        {"entry": other, "selected": "on"},
        HTTP_REFERER=f"http://testserver{page}",
    )
    shown = book["client"].get(page)

    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{page}"
    assert shown.status_code == 200
    _styled_page(shown.content.decode())
    assert f'<li class="error">Entries [{other}] are not lines of this interaction.</li>' in (
        shown.content.decode()
    )


def test_a_domain_error_with_nowhere_safe_to_go_back_is_a_styled_page(book, interaction):
    with tenant_context(book["tenant"]):
        other = LedgerEntry.objects.get(document_no="I3").pk

    response = book["client"].post(
        f"/t/alpha/interactions/{interaction.pk}/lines/",
        {"entry": other, "selected": "on"},
        HTTP_REFERER="https://elsewhere.example/t/alpha/",
    )

    assert response.status_code == 400
    html = response.content.decode()
    _styled_page(html)
    assert (
        '<div id="page-errors" aria-live="assertive"><div class="page-error" role="alert">\n'
        f"  <strong>Entries [{other}] are not lines of this interaction.</strong>"
    ) in html


# --- Recalculate All from the credit list ---------------------------------------------------------


def test_a_second_recalculate_all_from_the_credit_list_says_one_is_already_running(book):
    client = book["client"]

    first = client.post("/t/alpha/customers/credit/recalculate/", {"scope": "all"})
    second = client.post("/t/alpha/customers/credit/recalculate/", {"scope": "all"}, follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert second.redirect_chain == [("/t/alpha/customers/credit/?", 302)]
    html = second.content.decode()
    _styled_page(html)
    assert '<li class="error">A Recalculate All is already queued or running for this company.</li>' in html
    with tenant_context(book["tenant"]):
        assert RecalculationRun.objects.filter(kind="all", status="queued").count() == 1
