"""A controller sees what the interactions left behind: the live n/250 counter on a description, a long
description that wraps instead of widening the page, the customer card's disputed (queried) total, and
the to-do list's badges (a to-do whose promise was replaced is not a green "done")."""

import datetime
import re
from decimal import Decimal

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import (
    entries_update,
    interaction_create,
    status_codes_seed_defaults,
    todo_close,
    todo_create,
)
from ledger.services import entries_apply
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    today = tenant_a.today()
    on = lambda n: today + datetime.timedelta(days=n)  # noqa: E731
    with tenant_context(tenant_a):
        status_codes_seed_defaults()
        codes = {c.code: c for c in StatusCode.objects.all()}
        customer = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)
        older = factories.invoice(customer, "SI-1001", on(-40).isoformat(), "1200.00")
        newer = factories.invoice(customer, "SI-1002", on(-20).isoformat(), "300.00")
        disputed = factories.invoice(customer, "SI-1003", on(-5).isoformat(), "286.09")

        def promise(entries, offset, amount=None):
            call = interaction_create(
                customer=customer, user=carol, description="Call", entry_ids=[e.pk for e in entries]
            )
            return entries_update(
                interaction=call,
                user=carol,
                status_code=codes["PROMISED"],
                promised_full_amount=amount is None,
                promised_amount=None if amount is None else Decimal(amount),
                promised_payment_date=on(offset),
            )["promise"]

        promise([older, newer], 5)  # full, on both...
        promise([older], 9, "500.00")  # ...then 500.00 on SI-1001: the first stays pending on SI-1002
        promise([newer], 7)  # ...and a promise on SI-1002 leaves nothing of the first: replaced
        payment = factories.payment(customer, "PMT-1", today.isoformat(), "500.00")
        entries_apply(applying_entry_id=payment.pk, applied_entry_id=older.pk, posting_date=today)
        query = interaction_create(
            customer=customer, user=carol, description="Query", entry_ids=[disputed.pk]
        )
        entries_update(
            interaction=query, user=carol, status_code=codes["DISPUTED"], query_resolution_target_date=on(10)
        )
        ring = todo_create(customer=customer, description="Ring back", due_date=today, user=carol)
        todo_close(todo=ring, user=carol)
    return {"customer": customer, "today": today}


def test_counter_wrapping_disputed_total_and_badges(page, book):
    violations = []
    page.on(
        "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/"))
    customer = book["customer"]

    # The description counts as it is typed, and stops at 250.
    page.goto(f"/t/alpha/interactions/new/?customer={customer.pk}")
    counter = page.locator("[data-counts=id_description]")
    assert counter.inner_text() == "0/250"
    page.fill("#id_description", "Called about SI-1003")
    assert counter.inner_text() == "20/250"
    long_text = "A very long note about the disputed delivery " * 6  # 270 characters
    page.fill("#id_description", long_text[:240])
    assert counter.inner_text() == "240/250"
    assert "near" in counter.get_attribute("class")
    page.type("#id_description", long_text[240:])  # typed: maxlength="250" stops it at 250
    assert counter.inner_text() == "250/250"
    assert "full" in counter.get_attribute("class")
    page.fill("#id_notes", "x" * 3000)
    page.screenshot(path=str(ARTEFACTS / "interaction-counter.png"))
    page.click("#interaction-form button[type=submit]")
    page.wait_for_url(re.compile(r"/interactions/\d+/$"))

    # A 250-character description (no spaces in the notes at all) wraps: the pages stay 1440 px wide.
    for path in ["/t/alpha/interactions/", page.url]:
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440, path
    page.goto("/t/alpha/interactions/")
    page.screenshot(path=str(ARTEFACTS / "interaction-list-wraps.png"))

    # The card: Disputed (queried) = SI-1003's 286.09 GBP.
    page.goto(f"/t/alpha/customers/{customer.pk}/")
    assert page.locator("[data-figure=disputed] a").inner_text() == "286.09 GBP"
    assert page.locator("[data-figure=disputed-count]").inner_text() == "(1 entry)"
    page.locator("[data-figure=disputed]").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTEFACTS / "card-disputed.png"))

    # The to-do list: one badge per state.
    page.goto("/t/alpha/interactions/todos/?owner=all&state=any")
    on = lambda n: f"{book['today'] + datetime.timedelta(days=n):%d/%m/%Y}"  # noqa: E731 - the tenant's format
    assert sorted(
        (row.locator("td").first.inner_text(), row.locator("[data-field=status] .badge").inner_text())
        for row in page.locator("#todo-list tbody tr").all()
    ) == sorted(
        [
            (on(0), "Done"),  # Ring back
            (on(5), "Replaced"),  # the first promise's check
            (on(7), "Open"),  # the third promise's check
            (on(9), "Promise kept"),  # the second: 500.00 paid on SI-1001
            (on(10), "Open"),  # Resolve query on SI-1003
        ]
    )
    replaced = page.locator("#todo-list .badge.replaced")
    assert replaced.inner_text() == "Replaced"
    assert replaced.evaluate("e => getComputedStyle(e).color") != page.locator(
        "#todo-list .badge.good"
    ).first.evaluate("e => getComputedStyle(e).color")
    page.goto("/t/alpha/interactions/promises/")
    assert sorted(page.locator("#promise-list .badge").all_inner_texts()) == ["Kept", "Pending", "Replaced"]
    page.goto("/t/alpha/interactions/todos/?owner=all&state=any")
    assert violations == []
