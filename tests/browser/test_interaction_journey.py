"""A controller records a call about two of a customer's invoices, takes a part-payment promise, sees the
to-do, and watches it close when the payment is posted through the API.

It starts from the credit list: the customer's balance opens its open ledger entries, where two are
ticked for the interaction."""

import datetime
import re

import pytest
from rest_framework.authtoken.models import Token

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from interactions.services import status_codes_seed_defaults
from tests import factories
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger(tenant_a, make_member):
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    today = tenant_a.today()
    with tenant_context(tenant_a):
        status_codes_seed_defaults()
        customer = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)
        factories.invoice(customer, "SI-1001", (today - datetime.timedelta(days=45)).isoformat(), "1200.00")
        factories.invoice(customer, "SI-1002", (today - datetime.timedelta(days=35)).isoformat(), "300.00")
        factories.invoice(customer, "SI-1003", (today - datetime.timedelta(days=5)).isoformat(), "80.00")
    return {"customer": customer, "today": today, "token": Token.objects.create(user=carol).key}


def test_promise_to_pay_from_a_call_closes_its_to_do_when_paid(page, ledger, live_server):
    today = ledger["today"]
    promised_on = (today + datetime.timedelta(days=5)).isoformat()
    promised_shown = (
        f"{today + datetime.timedelta(days=5):%d/%m/%Y}"  # as the tenant's (en-gb) pages write it
    )
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/"))

    page.click("nav >> text=Credit list")
    page.locator("#credit-list tbody tr", has_text="C100").locator("td[data-column=balance] a").click()
    page.wait_for_url(re.compile(r"/ledger/\?customer="))
    page.check("input[aria-label='Select SI-1001']")
    page.check("input[aria-label='Select SI-1002']")
    page.click("button:has-text('Create interaction')")

    page.wait_for_url(re.compile(r"/interactions/new/"))
    assert page.locator("h1").inner_text() == "Create interaction · C100 Harbour Foods Ltd"
    page.select_option("#id_interaction_type", "phone_call")
    page.fill("#id_description", "Called about the two oldest invoices")
    page.click("#interaction-form button[type=submit]")

    page.wait_for_url(re.compile(r"/interactions/\d+/$"))
    assert page.locator("#caption").inner_text().startswith(f"Harbour Foods Ltd · {today:%d/%m/%Y} ")
    selected = page.locator("[data-figure=selected-remaining]")
    selected_lcy = page.locator("[data-figure=selected-remaining-lcy]")
    assert selected.inner_text() == "1,500.00 GBP"
    page.uncheck("input[aria-label='Select SI-1001']")
    page.wait_for_function(
        "() => document.querySelector('[data-figure=selected-remaining]').innerText === '300.00 GBP'"
    )
    assert selected_lcy.inner_text() == "300.00 GBP"
    page.check("input[aria-label='Select SI-1001']")
    page.wait_for_function(
        "() => document.querySelector('[data-figure=selected-remaining]').innerText === '1,500.00 GBP'"
    )
    assert selected_lcy.inner_text() == "1,500.00 GBP"

    page.select_option("#id_status_code", label="PROMISED · Promised to pay")
    page.wait_for_selector("#entry-fields[data-fields=promised]")
    assert page.locator("#id_query_resolution_target_date").count() == 0
    page.check("#id_promised_full_amount")
    assert page.locator("#id_promised_amount").is_disabled()
    page.uncheck("#id_promised_full_amount")
    page.fill("#id_promised_amount", "400.00")
    page.fill("#id_promised_payment_date", promised_on)
    page.click("button:has-text('Update selected entries')")
    assert page.locator(".messages").inner_text() == (
        f"2 entries updated: PROMISED. To-do: Check promised payment has been received ({promised_shown})."
    )
    rows = page.locator("#lines tbody tr")
    assert rows.nth(0).locator("[data-field=promised-amount]").inner_text() == "400.00 GBP"
    assert rows.nth(1).locator("[data-field=promised-amount]").inner_text() == "0.00 GBP"

    page.click("nav >> text=To-dos")
    todo = page.locator("#todo-list tbody tr", has_text="Check promised payment has been received")
    assert todo.count() == 1
    assert todo.locator("td").first.inner_text() == promised_shown
    assert todo.locator("[data-field=status]").inner_text() == "Open"

    response = page.request.post(
        f"{live_server.url}/api/t/alpha/entries/record-payment/",
        headers={"Authorization": f"Token {ledger['token']}"},
        data={
            "customer": ledger["customer"].pk,
            "amount": "400.00",
            "posting_date": today.isoformat(),
            "document_no": "PMT-77",
        },
    )
    assert response.status == 201, response.text()

    page.goto("/t/alpha/interactions/todos/?owner=mine&state=closed")
    todo = page.locator("#todo-list tbody tr", has_text="Check promised payment has been received")
    assert todo.locator("[data-field=status]").inner_text() == "Promise kept"
    assert todo.locator("[data-field=reason]").inner_text() == (
        f"Promise kept: 400.00 GBP received on {today.isoformat()}."
    )
    page.goto("/t/alpha/interactions/todos/")
    assert page.locator("#todo-list tbody").inner_text() == "No to-dos."
