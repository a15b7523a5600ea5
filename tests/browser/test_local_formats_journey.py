"""A German tenant's pages speak German numbers: a controller records a payment typed as `1.234,56` on the
record-payment page, after `12.50` (an English amount, or twelve thousand fifty with a stray point) was
refused inline with an example of the tenant's format; the page then shows `1.234,56 EUR` and `29.11.2026`
style figures and dates."""

import re

import pytest

from aging.services import recalculate_all
from creditcontrol.formats import amount_format_problem
from creditcontrol.models import Role, Tenant
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from ledger.models import LedgerEntry
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kontor(make_member):
    tenant = Tenant.objects.create(
        name="Kontor Handel GmbH",
        slug="kontor",
        local_currency="EUR",
        time_zone="Europe/Berlin",
        country="DE",
        language="de-de",
    )
    tenant_initialise(tenant)
    make_member(tenant, Role.CONTROLLER, username="karla")
    with tenant_context(tenant):
        mueller = factories.customer(code="K100", name="Müller Maschinenbau GmbH", currency_code="EUR")
        factories.invoice(mueller, "RE-1", "2026-01-10", "1000.00")
        factories.invoice(mueller, "RE-2", "2026-01-20", "2500.00")
        recalculate_all(trigger="command")
    return {"tenant": tenant, "mueller": mueller}


def test_a_german_tenant_records_a_payment_typed_as_1_234_56(page, kontor):
    # The date inputs are the browser's own: they show dates as the browser's language does (ISO values).
    sign_in(page, "karla", PASSWORD)
    page.wait_for_url(re.compile(r"/t/kontor/$"))
    page.goto(f"/t/kontor/customers/{kontor['mueller'].pk}/record-payment/")
    assert page.locator("[data-figure=balance]").inner_text() == "3.500,00 EUR"
    assert page.locator("#id_amount").get_attribute("placeholder") == "0,00"
    due_dates = page.locator("#open-entries tbody tr td:nth-child(5)").all_inner_texts()
    assert due_dates == ["09.02.2026", "19.02.2026"]

    page.fill("#id_amount", "12.50")
    page.fill("#id_document_no", "BANK-DE-1")
    page.click("button:has-text('Record payment')")
    error = page.locator(".field-error[data-field=amount]")
    error.wait_for()
    with tenant_context(kontor["tenant"]):
        assert error.inner_text() == amount_format_problem()
        assert error.inner_text().startswith("Write the amount as 1.234,56 or 1234,56: a comma before")
    assert page.locator("#id_amount").input_value() == "12.50"
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "local-formats-refused.png"), full_page=True)

    page.fill("#id_amount", "1.234,56")
    page.click("button:has-text('Record payment')")
    message = page.locator(".messages li.success")
    message.wait_for()
    assert message.inner_text() == (
        "Payment BANK-DE-1 of 1.234,56 EUR recorded: paid RE-1 (1.000,00), RE-2 (234,56)."
    )
    assert page.locator("[data-figure=balance]").inner_text() == "2.265,44 EUR"
    with tenant_context(kontor["tenant"]):
        remaining = {
            e.document_no: str(e.remaining_amount)
            for e in LedgerEntry.objects.filter(customer=kontor["mueller"], document_type="invoice")
        }
        payment = LedgerEntry.objects.get(document_no="BANK-DE-1")
    assert remaining == {"RE-1": "0.00", "RE-2": "2265.44"}
    assert str(payment.amount) == "-1234.56"
    assert page.locator("#open-entries tbody tr td.num").all_inner_texts() == ["2.265,44 EUR", "2.265,44 EUR"]
    page.screenshot(path=str(ARTEFACTS / "local-formats-recorded.png"), full_page=True)


def test_an_admin_sees_the_formats_and_the_german_credit_list(page, kontor, make_member):
    make_member(kontor["tenant"], Role.ADMIN, username="anke")
    sign_in(page, "anke", PASSWORD)
    page.wait_for_url(re.compile(r"/t/kontor/$"))
    page.goto("/t/kontor/setup/formats/")
    assert page.locator("[data-example=amount]").inner_text() == "1.234,56 EUR"
    assert page.locator("#formats-form input[value=de-de]").is_checked()
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "local-formats-setup.png"), full_page=True)

    page.goto("/t/kontor/customers/credit/?controller=")
    row = page.locator("tr", has_text="K100")
    assert row.locator("td[data-column=balance]").inner_text() == "3.500,00 EUR"
    page.screenshot(path=str(ARTEFACTS / "local-formats-credit-list.png"), full_page=True)
