"""Chasing in the browser: an admin makes the default policy two levels; a controller starts a run, drops one
customer from the proposal, releases the others, follows the sending to its end, opens a reminder on the
customer's timeline and sees the level on the card, pauses a customer from the credit list; the admin pauses
a group, and the next run lists that group's customer as left out."""

import datetime
import re

import pytest

from aging.services import recalculate_all
from chasing.models import ChasingLevel, Reminder
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact, CustomerGroup
from ledger.feeds import ledger_fed
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"chasing_{name}.png"), full_page=True)


def _sign_out(page):
    page.click("button:has-text('Sign out')")


@pytest.fixture
def ledger(tenant_a):
    """Three customers each owing one invoice due ten days ago (today being the tenant's); C003 in group EXP."""
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        today = tenant_a.today()
        posted = (today - datetime.timedelta(days=40)).isoformat()  # 30 days' terms: due ten days ago
        group = CustomerGroup.objects.create(code="EXP", name="Export")
        customers = {}
        for code, name, extra in (
            ("C001", "Acme Tools", {}),
            ("C002", "Bolt Supplies", {}),
            ("C003", "Cape Foods", {"group": group}),
        ):
            customer = factories.customer(code=code, name=name, address="1 High Street\nLeeds", **extra)
            Contact.objects.create(
                customer=customer, name=f"{name} AP", email=f"ap@{code.lower()}.example", is_primary=True
            )
            factories.invoice(customer, f"INV-{code}", posted, "250.00")
            customers[code] = customer
        ledger_fed()
        recalculate_all(trigger="command")
    return customers, today


def test_a_two_level_policy_a_reviewed_run_and_a_paused_group(page, ledger, make_member, mail_server):
    customers, today = ledger
    make_member(customers["C001"].tenant, Role.ADMIN, username="ada")
    make_member(customers["C001"].tenant, Role.CONTROLLER, username="cleo")

    # The admin makes the default policy two levels: the last (Final notice) goes, level 2 comes later.
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.click("nav.mainnav >> text=Setup")
    page.click(".setup-index >> text=Chasing")
    assert page.locator("h1").inner_text() == "Chasing setup"
    assert page.locator("#feeds tbody tr").first.inner_text().startswith("The whole tenant")
    _shot(page, "1_setup")
    page.click("#policies-table >> text=Standard")
    assert page.locator("#levels-table tbody tr[data-level]").count() == 4  # three and the new one
    page.click("tr[data-level='3'] >> button:has-text('Remove')")
    assert page.locator(".messages").inner_text() == "Level 3 (Final notice) removed."
    page.fill("tr[data-level='2'] input[name$='-days']", "21")
    page.click("tr[data-level='2'] >> button:has-text('Save')")
    assert page.locator(".messages").inner_text() == "Level 2 (Second reminder) saved."
    # a level that comes before the one above it is refused on its field
    page.fill("tr[data-level='new'] input[name='new-name']", "Too soon")
    page.fill("tr[data-level='new'] input[name='new-days']", "10")
    page.click("tr[data-level='new'] >> button:has-text('Add level')")
    assert page.locator("tr[data-level='new'] [data-field-error='days']").inner_text() == (
        "Level 3 must come later than level 2 (21 days)."
    )
    _shot(page, "2_policy")
    with tenant_context(customers["C001"].tenant):
        assert list(ChasingLevel.objects.values_list("number", "name", "days")) == [
            (1, "Friendly reminder", 3),
            (2, "Second reminder", 21),
        ]
    _sign_out(page)

    # The controller starts a run for every customer, as of today.
    sign_in(page, "cleo", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.click("nav.mainnav >> text=Chasing")
    assert page.locator("#id_as_of").input_value() == today.isoformat()
    _shot(page, "3_runs")
    page.click("#run-start button:has-text('Start a run')")
    page.wait_for_selector("#run[data-status='proposed']")
    assert (
        page.locator("#run-counts")
        .inner_text()
        .startswith("3 customers with an item due · 3 proposed · 0 left out")
    )
    assert [
        page.locator(f"#reminders tr[data-customer='{code}'] td[data-level]").inner_text()
        for code in ("C001", "C002", "C003")
    ] == ["1. Friendly reminder"] * 3
    _shot(page, "4_proposal")

    # C003's reminder: its preview, as it will go out
    page.click("#reminders tr[data-customer='C003'] >> text=Edit and preview")
    assert page.locator("#preview-subject").inner_text() == "Friendly reminder: account C003"
    assert "INV-C003" in page.locator("#preview-body").inner_text()
    _shot(page, "5_reminder")
    page.go_back()

    # C003 is dropped (with the reason), the others released
    page.check("#reminders tr[data-customer='C003'] input[type=checkbox]")
    page.fill("#review-form input[name='reason']", "Settling by phone")
    page.click("button:has-text('Drop the ticked')")
    assert page.locator(".messages").inner_text() == "1 reminder dropped."
    page.click("button:has-text('Release all 2 proposed')")
    page.wait_for_selector("#run[data-status='finished']", timeout=60_000)
    assert page.locator("#reminders tr[data-customer='C001'] .badge").inner_text() == "Handed to messages"
    assert "Dropped Settling by phone" in page.locator("#reminders tr[data-customer='C003']").inner_text()
    _shot(page, "6_sent")
    assert sorted(m["To"] for m in mail_server.messages()) == ["ap@c001.example", "ap@c002.example"]

    # the message, on the customer's timeline; the level on the card
    page.click("#reminders tr[data-customer='C001'] a[href*='/messages/']")
    assert page.locator("h1").inner_text().startswith("Friendly reminder: account C001")
    page.click("text=On the timeline")
    assert "Reminder sent by e-mail to ap@c001.example" in page.locator("h1").inner_text()
    page.goto(f"/t/alpha/customers/{customers['C001'].pk}/")
    assert page.locator("#chasing-items tr[data-entry='INV-C001']").inner_text().split("\t")[-2:] == [
        "1. Friendly reminder",
        today.strftime("%d/%m/%Y"),
    ]
    step = page.locator("#chasing-next").inner_text()
    second = (today - datetime.timedelta(days=10) + datetime.timedelta(days=21)).strftime("%d/%m/%Y")
    assert step == f"Level 2. Second reminder on {second} (INV-C001)"
    page.evaluate("document.getElementById('chasing').scrollIntoView()")
    page.screenshot(path=str(ARTEFACTS / "chasing_7_card.png"))

    # from the credit list: C002 paused until the year's end
    page.goto("/t/alpha/customers/credit/?controller=&sort=code")  # every controller's (C002 is nobody's)
    page.check("#credit-list tr:has-text('C002') input[name=customers]")
    _shot(page, "8_credit_list")
    page.click("#chase-selected")
    assert page.locator("h1").inner_text() == "Chase 1 customer"
    assert page.locator("#id_as_of").input_value() == today.isoformat()
    _shot(page, "8b_chase")
    page.goto("/t/alpha/customers/credit/?controller=&sort=code")
    page.check("#credit-list tr:has-text('C002') input[name=customers]")
    page.click("#pause-selected")
    assert page.locator("h1").inner_text() == "Pause chasing of 1 customer"
    until = datetime.date(today.year, 12, 31)
    page.fill("#id_paused_until", until.isoformat())
    page.fill("#id_reason", "Year-end audit")
    _shot(page, "9_pause")
    page.click("button:has-text('Pause chasing')")
    assert page.locator(".messages").inner_text() == (
        f"Chasing of 1 customer paused until {until.strftime('%d/%m/%Y')}."
    )
    _sign_out(page)

    # The admin pauses group EXP; the next run lists C003 as left out, and why.
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/setup/chasing/")
    row = page.locator("#group-chasing tr[data-group='EXP']")
    row.locator("input[type=date]").fill(until.isoformat())
    row.locator("input[name$='-reason']").fill("Export audit")
    row.locator("button:has-text('Save')").click()
    assert page.locator(".messages").inner_text() == "Chasing of group EXP saved."
    page.click("nav.mainnav >> text=Chasing")
    page.click("#run-start button:has-text('Start a run')")
    page.wait_for_selector("#run[data-status='finished']")
    assert page.locator("#left-out-table tr[data-customer='C003'] .reason").inner_text() == (
        f"Group EXP paused until {until.strftime('%d/%m/%Y')}: Export audit."
    )
    _shot(page, "10_left_out")
    with tenant_context(customers["C001"].tenant):
        assert Reminder.objects.filter(status="sent").count() == 2


def test_ticks_on_proposed_reminders_survive_the_progress_refresh(page, ledger, make_member):
    """A run sending one released reminder while two wait, proposed: the page asks for itself every second,
    and the reminders ticked meanwhile stay ticked."""
    from chasing.services import run_propose, run_start

    customers, today = ledger
    make_member(customers["C001"].tenant, Role.CONTROLLER, username="cleo")
    with tenant_context(customers["C001"].tenant):
        run = run_propose(run_start(as_of=today).pk)
        first = Reminder.objects.get(run=run, customer=customers["C001"])
        second = Reminder.objects.get(run=run, customer=customers["C002"])
        # One reminder released and still being made (a worker busy with it): the run is sending.
        Reminder.objects.filter(pk=first.pk).update(status="released")
        type(run).objects.filter(pk=run.pk).update(status="sending")
    sign_in(page, "cleo", PASSWORD)
    page.goto(f"/t/alpha/chasing/runs/{run.pk}/")
    page.check(f"#tick-{second.pk}")
    with page.expect_response(
        lambda r: f"/chasing/runs/{run.pk}/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        pass  # one refresh of the run's section
    page.wait_for_timeout(300)
    assert page.is_checked(f"#tick-{second.pk}")
