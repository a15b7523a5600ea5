"""A controller's morning with money and commitments: a work date set in the top bar, a customer's card as of
it, a dollar payment against two chosen invoices (refused inline for `1e3` first), then the ledger page
with the promise and query columns."""

import datetime
import re

import pytest

from aging.services import aging_setup_get, recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create
from ledger.services import AMOUNT_EXPONENT
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    today = tenant_a.today()

    def posted(days_ago):  # 30-day terms
        return (today - datetime.timedelta(days=days_ago)).isoformat()

    with tenant_context(tenant_a):
        setup = aging_setup_get()
        setup.use_work_date = True
        setup.save()
        kestrel = factories.customer(
            code="C200", name="Kestrel Motors Inc", currency_code="USD", controller=carol
        )
        si1 = factories.invoice(kestrel, "SI-1", posted(60), "300.00", amount_lcy="240.00")  # due 30 days ago
        si2 = factories.invoice(kestrel, "SI-2", posted(45), "200.00", amount_lcy="160.00")  # due 15 days ago
        si3 = factories.invoice(kestrel, "SI-3", posted(40), "400.00", amount_lcy="320.00")  # due 10 days ago
        call = interaction_create(customer=kestrel, user=carol, description="Called about SI-2 and SI-3")
        entries_update(
            interaction=call,
            user=carol,
            status_code=StatusCode.objects.get(code="DISPUTED"),
            entry_ids=[si2.pk],
            query_resolution_target_date=today + datetime.timedelta(days=7),
        )
        entries_update(
            interaction=call,
            user=carol,
            status_code=StatusCode.objects.get(code="PROMISED"),
            entry_ids=[si1.pk],
            promised_full_amount=True,
            promised_payment_date=today + datetime.timedelta(days=3),
        )
        recalculate_all(trigger="command")
    return {"today": today, "kestrel": kestrel, "si1": si1, "si2": si2, "si3": si3}


def test_a_controllers_morning_with_money(page, book):
    today, kestrel = book["today"], book["kestrel"]
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))

    # A work date 20 days back: only SI-1 (due 30 days ago) was overdue then.
    page.goto(f"/t/alpha/customers/{kestrel.pk}/")
    assert page.locator("[data-figure=overdue]").inner_text() == "720.00 GBP"
    page.fill("#work-date-input", (today - datetime.timedelta(days=20)).isoformat())
    page.click(".work-date button:has-text('Set')")
    page.wait_for_url(re.compile(rf"/customers/{kestrel.pk}/$"))
    assert page.locator("[data-figure=overdue]").inner_text() == "240.00 GBP"
    assert page.locator(".work-date-notice").is_visible()

    # From the card to the record-payment page: SI-2 is disputed, so not ticked by default.
    page.click("a:has-text('Record payment')")
    page.wait_for_url(re.compile(r"/record-payment/$"))
    pay = {key: page.locator(f"#pay-{book[key].pk}") for key in ("si1", "si2", "si3")}
    assert [pay[key].is_checked() for key in ("si1", "si2", "si3")] == [True, False, True]
    page.fill("#id_amount", "1e3")
    page.fill("#id_amount_lcy", "400.00")
    page.fill("#id_document_no", "BANK-7")
    pay["si3"].uncheck()
    page.click("button:has-text('Record payment')")
    error = page.locator(".field-error[data-field=amount]")
    error.wait_for()
    assert error.inner_text() == AMOUNT_EXPONENT
    page.fill("#id_amount", "500.00")
    pay["si3"].check()
    pay["si1"].check()
    page.click("button:has-text('Record payment')")
    message = page.locator(".messages li.success")
    message.wait_for()
    assert message.inner_text() == "Payment BANK-7 of 500.00 USD recorded: paid SI-1 (300.00), SI-3 (200.00)."

    # The ledger page with the credit-control columns: the query and what is left of the promise.
    page.goto(f"/t/alpha/ledger/?customer={kestrel.pk}&open=true")
    rows = {
        row.locator("td[data-column=status_code]").inner_text(): row
        for row in page.locator("tr[data-entry]").all()
        if row.locator("td[data-column=status_code]").count()
    }
    assert set(rows) == {"DISPUTED", ""}
    target = f"{today + datetime.timedelta(days=7):%d/%m/%Y}"  # the tenant's (en-gb) date format
    assert rows["DISPUTED"].locator("td[data-column=query_resolution_target_date]").inner_text() == target
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "controllers-money-ledger.png"), full_page=True)
