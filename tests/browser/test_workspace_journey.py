"""A manager's day in the workspace: the dashboard, the credit list filtered to one controller and sorted
by overdue, a band figure opening exactly its entries, a credit limit review on the card, and a payment
recorded from the balance due report that changes the balance on the spot."""

import datetime
import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    dave = make_member(tenant_a, Role.CONTROLLER, username="dave")
    make_member(tenant_a, Role.MANAGER, username="maria")
    today = tenant_a.today()

    def posted(days_overdue):  # 30-day terms: posted 30 + n days ago is n days overdue
        return (today - datetime.timedelta(days=30 + days_overdue)).isoformat()

    with tenant_context(tenant_a):
        harbour = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)
        kestrel = factories.customer(code="C200", name="Kestrel Motors", controller=carol)
        factories.customer(code="C300", name="Upland Dairy", controller=dave)
        factories.invoice(harbour, "SI-1", posted(45), "700.00")  # 31-60
        factories.invoice(harbour, "SI-2", posted(40), "300.00")  # 31-60
        factories.invoice(harbour, "SI-3", posted(10), "150.00")  # 1-30
        factories.invoice(kestrel, "SI-4", posted(5), "400.00")  # 1-30
        factories.invoice(
            factories.customer(code="C400", name="Yardley Print", controller=dave),
            "SI-5",
            posted(100),
            "9000.00",
        )
        recalculate_all(trigger="command")
    return {"harbour": harbour}


def test_a_managers_day(page, book):
    sign_in(page, "maria", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    assert page.locator("[data-figure=balance]").inner_text() == "10,550.00 GBP"
    assert page.locator("[data-figure=overdue]").inner_text() == "10,550.00 GBP"

    page.click("nav >> text=Credit list")
    page.select_option("select[name=controller]", label="carol")
    page.click("#credit-filters button:has-text('Filter')")
    codes = page.locator("#credit-list td[data-column=code] a")
    assert sorted(codes.all_inner_texts()) == ["C100", "C200"]
    page.click("#credit-list th a[data-sort=name]")
    page.wait_for_url(re.compile(r"sort=name"))
    page.click("#credit-list th a[data-sort=overdue]")  # figures sort largest first
    page.wait_for_url(re.compile(r"sort=-overdue"))
    assert codes.all_inner_texts() == ["C100", "C200"]
    page.click("#credit-list th a[data-sort=overdue]")
    page.wait_for_url(re.compile(r"sort=overdue$"))
    assert codes.all_inner_texts() == ["C200", "C100"]

    row = page.locator("#credit-list tbody tr", has_text="C100")
    assert row.locator("td[data-column=band_3]").inner_text() == "1,000.00 GBP"
    row.locator("td[data-column=band_3] a").click()
    page.wait_for_url(re.compile(r"/ledger/"))
    rows = " ".join(page.locator("table.entries tbody tr").all_inner_texts())
    assert sorted(re.findall(r"SI-\d", rows)) == ["SI-1", "SI-2"]  # exactly the band's entries
    assert page.locator("[data-figure=remaining-total]").inner_text() == "1,000.00 GBP"

    page.click("h1 a:has-text('C100 Harbour Foods Ltd')")
    page.fill("#id_new_limit_lcy", "2000")
    page.fill("#id_note", "Reviewed after the call")
    page.click("button:has-text('Record review')")
    assert page.locator(".messages").inner_text() == "Credit limit reviewed: 2,000.00 GBP."

    page.click("nav >> text=Balance due")
    harbour_row = page.locator(f"#bd-{book['harbour'].pk}")
    assert harbour_row.locator("[data-figure=balance]").inner_text() == "1,150.00 GBP"
    harbour_row.locator("input[name=amount]").fill("700.00")
    harbour_row.locator("input[name=document_no]").fill("BANK-77")
    harbour_row.locator("button:has-text('Record payment')").click()
    page.wait_for_selector(f"#bd-{book['harbour'].pk} [role=status]")
    assert page.locator(f"#bd-{book['harbour'].pk} [data-figure=balance]").inner_text() == "450.00 GBP"
