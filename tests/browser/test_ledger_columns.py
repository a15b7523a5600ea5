"""A manager reads a customer's ledger with the credit-control columns: they fit a 1440 px screen."""

import re

import pytest

from creditcontrol.tenancy import tenant_context
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.ledger.test_entry_credit_fields import build_ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ledger_shows_the_credit_columns_within_the_screen(page, tenant_a, make_member):
    ledger = build_ledger(tenant_a, make_member)
    with tenant_context(tenant_a):
        factories.invoice(
            ledger.customer,
            "SI-2026-004711",
            ledger.today.isoformat(),
            "123456.78",
            description="Catering supplies for the spring banqueting season, second delivery, as ordered",
        )
    sign_in(page, "maria", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto(f"/t/alpha/ledger/?customer={ledger.customer.pk}")

    headers = page.locator("table.entries th[data-column]").all_inner_texts()
    assert headers == [
        "Status code",
        "Promised date",
        "Promised amount",
        "Resolution target",
        "Days overdue",
    ]
    promised = page.locator("tr[data-entry] td[data-column=promised_amount]").all_inner_texts()
    assert promised[1:3] == ["250.00 GBP full", "500.00 GBP"]
    # Nothing wider than the screen: no horizontal scroll, the table's right edge inside the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    assert page.evaluate("document.querySelector('table.entries').getBoundingClientRect().right") <= 1440

    page.click("details.column-chooser summary")
    page.check("details.column-chooser input[value=days_late]")
    page.uncheck("details.column-chooser input[value=promised_amount]")
    page.click("button:has-text('Filter')")
    page.wait_for_url(re.compile(r"columns_chosen=1"))
    assert "Days late" in page.locator("table.entries thead").inner_text()
    assert "Promised amount" not in page.locator("table.entries thead").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    # remembered on the next visit
    page.goto(f"/t/alpha/ledger/?customer={ledger.customer.pk}&open=true")
    assert "Days late" in page.locator("table.entries thead").inner_text()
    page.click("details.column-chooser summary")  # the chooser open, for the screenshot
