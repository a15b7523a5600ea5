"""A controller sends a statement from the customer card: sees the message as it will go out, queues it,
releases it from the outbox, finds it sent, on the timeline and its PDF attached; a tenant admin edits a
template with a preview and sets the letterhead."""

import re

import pytest

from creditcontrol.models import Role
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD
from tests.messaging.conftest import ledger, three  # noqa: F401 — the hand-worked ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"messaging_{name}.png"), full_page=True)


def test_a_controller_queues_then_releases_a_statement(page, ledger, make_member, mail_server):  # noqa: F811
    cleo = make_member(ledger.tenant, Role.CONTROLLER, username="cleo")
    cleo.email = "cleo@alpha.example"
    cleo.save()
    sign_in(page, "cleo", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto(f"/t/alpha/customers/{ledger.customer.pk}/")
    page.click("#statement-actions >> text=Send statement")
    assert page.locator("h1").inner_text() == "Statement · C001 Crown Fabrics Ltd"
    assert page.locator("#compose-to").inner_text() == "pat@crown.example (Pat Payable)"
    page.fill("#id_as_of", "2026-03-31")
    page.click("button:has-text('Fill the message again')")
    assert "Your balance is 530.00 GBP; 200.00 USD" in page.locator("#id_body").input_value()
    _shot(page, "1_compose")

    page.click("button:has-text('Queue for review')")
    assert page.locator(".messages").inner_text() == (
        "Statement for pat@crown.example is in the outbox, waiting for release."
    )
    assert page.locator("#message-status").inner_text() == "In the outbox"
    assert mail_server.messages() == []

    page.click("nav.mainnav >> text=Messages")
    assert page.locator("#messages tbody tr").count() == 1
    page.check("#messages tbody tr input[type=checkbox]")
    _shot(page, "2_outbox")
    page.click("button:has-text('Release the ticked')")
    assert page.locator(".messages").inner_text() == "1 message released to send."
    page.click("#message-statuses >> text=Sent")
    page.click("#messages >> text=Statement of account C001 as of 31/03/2026")
    assert page.locator("#message-status").inner_text() == "Sent"
    assert page.locator("#message-documents").inner_text().startswith("statement-C001-2026-03-31.pdf")
    _shot(page, "3_sent")
    [received] = mail_server.messages()
    assert received["To"] == "pat@crown.example"

    # the PDF opens, and the message is on the customer's timeline
    with page.expect_download() as download:
        page.click("#message-documents a")
    assert download.value.suggested_filename == "statement-C001-2026-03-31.pdf"
    page.click("text=On the timeline")
    assert "Statement of account sent by e-mail to pat@crown.example" in page.locator("main").inner_text()
    # the card's timeline shows its status and its PDF
    page.goto(f"/t/alpha/customers/{ledger.customer.pk}/")
    note = page.locator("#timeline-events .timeline-note").first
    assert note.inner_text() == "Sent to pat@crown.example Message statement-C001-2026-03-31.pdf"
    note.scroll_into_view_if_needed()
    _shot(page, "6_timeline")


def test_an_admin_previews_a_template_and_sets_the_letterhead(page, ledger, make_member):  # noqa: F811
    make_member(ledger.tenant, Role.ADMIN, username="ada")
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/setup/")
    page.click("text=Message templates")
    page.click("#message-templates >> text=Free message")
    page.fill("#id_body", "Dear {{ contact.name }}, you owe {{ balance }}. {{ contact.nmae }}")
    page.fill("#id_preview_customer", "C001")
    page.click("button:has-text('Save template')")
    assert page.locator("[data-field-error=body]").inner_text() == "Unknown variable {{ contact.nmae }}."
    page.fill("#id_body", "Dear {{ contact.name }}, you owe {{ balance }}.")
    page.click("button:has-text('Preview')")
    assert page.locator("#preview-body").inner_text() == "Dear Pat Payable, you owe 1,529.00 GBP; 200.00 USD."
    _shot(page, "4_template")

    page.goto("/t/alpha/setup/letterhead/")
    page.fill("#id_company_name", "Alpha Trading Ltd")
    page.fill("#id_address", "2 Dock Road\nHull HU1 2AB")
    page.fill("#id_bank_details", "Northern Bank, IBAN GB00 NBNK 0000 0000 1234 56")
    page.click("button:has-text('Save')")
    assert page.locator(".messages").inner_text() == "Letterhead saved."
    _shot(page, "5_letterhead")


def test_three_customers_contacted_from_the_balance_due_report(page, three, make_member, mail_server):  # noqa: F811
    from aging.services import recalculate_all
    from creditcontrol.tenancy import tenant_context

    with tenant_context(three.tenant):
        recalculate_all(trigger="command")
    make_member(three.tenant, Role.CONTROLLER, username="cleo")
    sign_in(page, "cleo", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.click("nav.mainnav >> text=Balance due")
    for code in ("C001", "C002", "C003"):
        page.check(f"#balance-due tr:has(a:text-is('{code}')) input[type=checkbox]")
    page.click("#contact-selected")
    assert page.locator("h1").inner_text() == "Contact 3 customers"
    assert page.locator("#contact-summary").inner_text() == "2 will get a message; 1 will be skipped:"
    assert page.locator("#contact-skipped tbody tr").inner_text() == (
        "C002 Dockside Traders\tNo e-mail address: neither the customer nor an active contact has one."
    )
    page.fill("#id_as_of", "2026-03-31")
    page.click("button:has-text('Preview')")
    preview = page.locator("#contact-preview")
    assert preview.locator("h3").inner_text() == "The first: C001 Crown Fabrics Ltd, to pat@crown.example"
    assert "Your balance is 530.00 GBP; 200.00 USD" in preview.inner_text()
    _shot(page, "7_contact")

    page.click("button:has-text('Send 2 now')")
    page.wait_for_selector("#batch[data-status=finished]")
    assert page.locator("#batch-count").inner_text() == "3 of 3"
    rows = page.locator("#batch-items tbody tr")
    assert rows.nth(1).locator(".skip-reason").inner_text() == (
        "No e-mail address: neither the customer nor an active contact has one."
    )
    assert rows.nth(2).locator("[data-message-status]").inner_text() == "Sent"
    _shot(page, "8_batch")
    assert sorted(m["To"] for m in mail_server.messages()) == ["hal@harbour.example", "pat@crown.example"]

    # Harbour Foods' message on its timeline, with its PDF
    rows.nth(2).locator("td:last-child a").click()
    assert page.locator("#message-to").inner_text() == "hal@harbour.example"
    page.goto(f"/t/alpha/customers/{three.c3.pk}/")
    note = page.locator("#timeline-events .timeline-note").first
    assert note.inner_text() == "Sent to hal@harbour.example Message statement-C003-2026-03-31.pdf"
    with page.expect_download() as download:
        note.locator("a:text-is('statement-C003-2026-03-31.pdf')").click()
    assert download.value.suggested_filename == "statement-C003-2026-03-31.pdf"
