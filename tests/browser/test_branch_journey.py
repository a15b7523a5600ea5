"""A manager picks a branch on the dashboard: the dashboard, the credit list, the balance due report and
the ledger all show that branch's figures for a customer trading through two branches, the bar under the
top bar says so on every page, and one click clears it."""

import re

import pytest

from tests.branch_context.helpers import multi_branch_book
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    return multi_branch_book(tenant_a, make_member)


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"branch-{name}.png"), full_page=False)


def test_a_manager_works_in_one_branch_on_every_page(page, book):
    sign_in(page, "mona", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    assert page.locator(".branch-bar").count() == 0
    assert page.locator("[data-figure=balance]").inner_text() == "1,950.00 GBP"

    page.select_option("#branch-context select[name=branch]", label="LDS Leeds")
    page.wait_for_url(re.compile(r"branch="))
    assert page.locator(".branch-bar").inner_text().startswith("Branch: Leeds — showing this branch only")
    assert page.locator("[data-figure=balance]").inner_text() == "650.00 GBP"
    assert page.locator("[data-figure=overdue]").inner_text() == "400.00 GBP"
    assert page.locator("[data-figure=dso]").inner_text() == "90.00"
    top = page.locator("#top-overdue tbody tr", has_text="MULTI")
    assert top.locator("td").nth(2).inner_text() == "650.00 GBP"
    assert page.locator("#top-overdue", has_text="LONDONER").count() == 0
    _shot(page, "dashboard")

    page.goto("/t/alpha/customers/credit/?controller=")
    row = page.locator("#credit-list tbody tr", has_text="Multi Branch Ltd")
    assert row.locator("td[data-column=balance]").inner_text() == "650.00 GBP"
    assert row.locator("td[data-column=overdue]").inner_text() == "400.00 GBP"
    assert page.locator("#credit-list tbody tr", has_text="London Only Ltd").count() == 0
    assert "showing this branch only" in page.locator(".branch-bar").inner_text()
    _shot(page, "credit-list")

    page.goto("/t/alpha/customers/balance-due/")
    assert (
        page.locator("table", has_text="MULTI")
        .locator("tr", has_text="MULTI")
        .first.inner_text()
        .count("650.00")
        >= 1
    )
    assert page.locator("body", has_text="LONDONER").count() == 0
    _shot(page, "balance-due")

    page.goto("/t/alpha/ledger/")
    assert page.locator("body", has_text="LDS-INV-1").count() == 1
    assert page.locator("body", has_text="LON-INV-1").count() == 0
    _shot(page, "ledger")

    page.click("#branch-clear")
    page.wait_for_url(re.compile(r"/t/alpha/ledger/"))
    assert page.locator(".branch-bar").count() == 0
    assert page.locator("body", has_text="LON-INV-1").count() == 1
    page.goto("/t/alpha/")
    assert page.locator("[data-figure=balance]").inner_text() == "1,950.00 GBP"
