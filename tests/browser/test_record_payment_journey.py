"""Record a payment on its own page: a payment in dollars on a sterling tenant, with its amount in pounds,
against two invoices the controller chooses (one of them disputed, so not ticked by default); `1e3` is
refused inline first, in the styled page, with what was typed and ticked kept."""

import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create
from ledger.models import LedgerEntry
from ledger.services import AMOUNT_EXPONENT
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    with tenant_context(tenant_a):
        kestrel = factories.customer(code="C200", name="Kestrel Motors Inc", currency_code="USD")
        si1 = factories.invoice(kestrel, "SI-1", "2026-01-10", "300.00", amount_lcy="240.00")
        si2 = factories.invoice(kestrel, "SI-2", "2026-01-20", "200.00", amount_lcy="160.00")
        si3 = factories.invoice(kestrel, "SI-3", "2026-02-01", "400.00", amount_lcy="320.00")
        call = interaction_create(customer=kestrel, user=carol, description="Disputed", entry_ids=[si2.pk])
        entries_update(
            interaction=call,
            user=carol,
            status_code=StatusCode.objects.get(code="DISPUTED"),
            entry_ids=[si2.pk],
        )
        recalculate_all(trigger="command")
    return {"tenant": tenant_a, "kestrel": kestrel, "si1": si1, "si2": si2, "si3": si3}


def _remaining(book) -> dict[str, str]:
    with tenant_context(book["tenant"]):
        return {
            e.document_no: str(e.remaining_amount)
            for e in LedgerEntry.objects.filter(customer=book["kestrel"], document_type="invoice")
        }


def test_a_dollar_payment_against_two_chosen_invoices(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto(f"/t/alpha/customers/{book['kestrel'].pk}/record-payment/")
    assert page.locator("h1").inner_text() == "Record a payment · C200 Kestrel Motors Inc"
    pay = {key: page.locator(f"#pay-{book[key].pk}") for key in ("si1", "si2", "si3")}
    assert [pay[key].is_checked() for key in ("si1", "si2", "si3")] == [True, False, True]
    assert (
        page.locator(f"tr[data-entry='{book['si2'].pk}'] [data-reason]").inner_text() == "Left out: disputed"
    )

    page.fill("#id_amount", "1e3")
    page.fill("#id_amount_lcy", "400.00")
    page.fill("#id_document_no", "BANK-1")
    pay["si1"].uncheck()
    pay["si2"].check()
    page.click("button:has-text('Record payment')")

    error = page.locator(".field-error[data-field=amount]")
    error.wait_for()
    assert error.inner_text() == AMOUNT_EXPONENT
    assert page.locator("#id_amount").input_value() == "1e3"  # what was typed, and ticked, stays
    assert [pay[key].is_checked() for key in ("si1", "si2", "si3")] == [False, True, True]
    assert page.locator("link[rel=stylesheet]").count() == 1  # the styled page, not a fragment
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "record-payment-refused.png"), full_page=True)

    page.fill("#id_amount", "500.00")
    page.click("button:has-text('Record payment')")

    message = page.locator(".messages li.success")
    message.wait_for()
    assert message.inner_text() == "Payment BANK-1 of 500.00 USD recorded: paid SI-2 (200.00), SI-3 (300.00)."
    assert _remaining(book) == {"SI-1": "300.00", "SI-2": "0.00", "SI-3": "100.00"}
    assert page.locator("[data-figure=balance]").inner_text() == "320.00 GBP"  # 240.00 + 80.00 GBP
    assert page.locator("#open-entries label").all_inner_texts() == ["SI-1", "SI-3"]
    page.screenshot(path=str(ARTEFACTS / "record-payment-recorded.png"), full_page=True)


def test_the_balance_due_row_refuses_1e3_inline_and_says_what_it_left_out(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/customers/balance-due/")
    row = page.locator(f"#bd-{book['kestrel'].pk}")

    row.locator("input[name=amount]").fill("1e3")
    row.locator("input[name=amount_lcy]").fill("800.00")
    row.locator("input[name=document_no]").fill("BANK-2")
    row.locator("button:has-text('Record payment')").click()

    error = page.locator(f"#bd-{book['kestrel'].pk} .field-error[data-field=amount]")
    error.wait_for()
    assert error.inner_text() == AMOUNT_EXPONENT
    assert page.locator("h1").inner_text() == "Balance due report"
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "balance-due-row-refused.png"), full_page=True)

    row = page.locator(f"#bd-{book['kestrel'].pk}")
    row.locator("input[name=amount]").fill("350.00")
    row.locator("input[name=amount_lcy]").fill("280.00")
    row.locator("button:has-text('Record payment')").click()
    status = page.locator(f"#bd-{book['kestrel'].pk} [role=status]")
    status.wait_for()
    assert status.inner_text() == (
        "Payment BANK-2 of 350.00 USD recorded: paid SI-1 (300.00), SI-3 (50.00); SI-2 left out: disputed."
    )
    assert page.locator(f"#bd-{book['kestrel'].pk} [data-figure=balance]").inner_text() == "440.00 GBP"
    page.screenshot(path=str(ARTEFACTS / "balance-due-row-recorded.png"), full_page=True)
