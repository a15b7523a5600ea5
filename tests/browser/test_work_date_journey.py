"""A controller sets a work date in the top bar: every page says the figures are as of it, the credit list
ages the same invoices as of that date, and "Today" brings back today's figures."""

import datetime
import re

import pytest

from aging.services import aging_setup_get, recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    today = tenant_a.today()
    with tenant_context(tenant_a):
        setup = aging_setup_get()
        setup.use_work_date = True
        setup.save()
        harbour = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)
        # 30-day terms: due 10 days ago, so overdue today and not yet due 20 days ago.
        factories.invoice(harbour, "SI-1", (today - datetime.timedelta(days=40)).isoformat(), "700.00")
        recalculate_all(trigger="command")
    return {"today": today, "harbour": harbour}


def _overdue(page) -> str:
    return (
        page.locator("#credit-list tbody tr", has_text="Harbour Foods Ltd")
        .locator("td[data-column=overdue]")
        .inner_text()
    )


def test_a_work_date_moves_the_figures_and_says_so(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/customers/credit/")
    assert _overdue(page) == "700.00 GBP"
    assert page.locator(".work-date-notice").count() == 0

    back = (book["today"] - datetime.timedelta(days=20)).isoformat()
    page.fill("#work-date-input", back)
    page.click(".work-date button:has-text('Set')")
    page.wait_for_url(re.compile(r"/customers/credit/"))
    shown = datetime.date.fromisoformat(back).strftime("%d/%m/%Y")  # the tenant's (en-gb) date format
    assert page.locator(".messages li.success").inner_text() == f"Work date set to {shown}."
    assert page.locator(".work-date-notice").inner_text() == (
        f"Credit figures are as of your work date, {shown}, not today ({book['today']:%d/%m/%Y})."
    )
    assert _overdue(page) == "0.00 GBP"  # not yet due on the work date
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "work-date-set.png"), full_page=False)

    page.click(".work-date button:has-text('Today')")
    page.wait_for_url(re.compile(r"/customers/credit/"))
    assert page.locator(".work-date-notice").count() == 0
    assert _overdue(page) == "700.00 GBP"
