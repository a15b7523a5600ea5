"""A manager signs in, finds a customer, reads its card and reviews its credit limit; then reads its ledger."""

import re

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from ledger.services import entries_apply
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.factories import D

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(tenant_a, make_member):
    with tenant_context(tenant_a):
        customer = factories.customer(code="C100", name="Harbour Foods Ltd")
        factories.customer(code="C200", name="Acme Builders")
        invoice = factories.invoice(customer, "SI-1001", "2026-01-10", "1200.00")
        factories.invoice(customer, "SI-1002", "2026-02-10", "300.00")
        pay = factories.payment(customer, "PMT-1", "2026-02-20", "200.00")
        entries_apply(applying_entry_id=pay.pk, applied_entry_id=invoice.pk, posting_date=D("2026-02-20"))
    make_member(tenant_a, Role.MANAGER, username="maria")
    return customer


def test_review_a_credit_limit_from_the_customer_card(page, ledger):
    sign_in(page, "maria", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    assert page.locator("h1").inner_text() == "Credit dashboard"

    page.click("text=Customers")
    page.fill("form.filters input[name=q]", "harbour")
    page.click("button:has-text('Filter')")
    rows = page.locator("#customer-list tbody tr")
    assert rows.count() == 1
    rows.first.locator("a").first.click()

    assert page.locator("[data-figure=balance]").inner_text() == "1,300.00 GBP"
    assert page.locator("[data-figure=credit-limit]").inner_text() == "No limit"
    page.fill("#id_new_limit_lcy", "5000")
    page.fill("#id_note", "Two years of prompt payment")
    page.click("button:has-text('Record review')")

    assert page.locator(".messages").inner_text() == "Credit limit reviewed: 5,000.00 GBP."
    assert page.locator("[data-figure=credit-limit]").inner_text() == "5,000.00 GBP"
    history = page.locator("#credit-limit-history tbody tr").first.inner_text()
    assert "maria" in history and "Two years of prompt payment" in history

    page.click("text=Open entries (2)")
    assert page.locator("[data-entry]").count() == 2
    assert page.locator("[data-figure=remaining-total]").inner_text() == "1,300.00 GBP"
