"""A controller prints the queued letters: the Messages page counts them, Make print run makes one PDF of
them, the run's page lists each letter with its customer and address and offers the PDF; a second run finds
nothing and says so."""

import re

import pytest
from pypdf import PdfReader

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from messaging.services import letterhead_update, message_create, message_draft
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD
from tests.factories import D
from tests.messaging.conftest import ledger  # noqa: F401 — the hand-worked ledger

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"print_run_{name}.png"), full_page=True)


def _letter(customer, body, statement=False):
    draft = message_draft(
        customer=customer,
        channel="letter",
        purpose="statement" if statement else "free",
        as_of=D("2026-03-31"),
        subject=f"Your account {customer.code}",
        body=body,
    )
    return message_create(draft=draft, send_now=True, as_of=D("2026-03-31"), attach_statement=statement)


def test_a_controller_prints_the_queued_letters(page, ledger, make_member):  # noqa: F811
    make_member(ledger.tenant, Role.CONTROLLER, username="cleo")
    with tenant_context(ledger.tenant):
        letterhead_update(company_name="Alpha Trading Ltd", address="2 High Street\nYork YO1 1AA")
        _letter(ledger.customer, "Dear Pat, please find your statement enclosed.", statement=True)
        anchor = factories.customer(
            code="C005", name="Anchor Supplies", address="7 Quay Street\nHull HU1 1AB"
        )
        Contact.objects.create(customer=anchor, name="Ann Ledger", is_primary=True)
        _letter(anchor, "Dear Ann, your account is overdue.")
    sign_in(page, "cleo", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.click("nav.mainnav >> text=Messages")
    assert page.locator("#letters-to-print").inner_text().startswith("Letters to print: 2")
    _shot(page, "1_messages")

    page.click("#make-print-run")
    page.wait_for_url(re.compile(r"/t/alpha/messages/print-runs/\d+/$"))
    assert page.locator(".messages").inner_text() == "Print run of 2 letters started."
    assert page.locator("#print-run").get_attribute("data-status") == "finished"
    assert page.locator("#print-run-summary").inner_text().startswith("2 letters, 4 pages, finished ")
    rows = page.locator("#print-run-letters tbody tr")
    assert [rows.nth(i).inner_text().split("\t")[:5] for i in range(2)] == [
        ["1", "C001", "Crown Fabrics Ltd", "Pat Payable", "1 Mill Lane\nLeeds"],
        ["2", "C005", "Anchor Supplies", "Ann Ledger", "7 Quay Street\nHull HU1 1AB"],
    ]
    _shot(page, "2_run")
    with page.expect_download() as download:
        page.click("#print-run-pdf")
    pdf = PdfReader(download.value.path())
    assert len(pdf.pages) == 4
    assert "Dear Ann, your account is overdue." in pdf.pages[2].extract_text()

    page.click("text=Print runs")
    page.click("#make-print-run")
    assert page.locator("#print-run-problem").inner_text() == "No letters are waiting to be printed."
    assert page.locator("#print-runs tbody tr").count() == 1
    _shot(page, "3_runs")
