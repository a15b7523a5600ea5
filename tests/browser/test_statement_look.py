"""The statement's layout, looked at: its HTML (what WeasyPrint prints) in the browser at A4 width."""

import pytest

from creditcontrol.tenancy import tenant_context
from messaging import documents
from messaging.services import letterhead_update
from tests.browser.conftest import ARTEFACTS
from tests.factories import D
from tests.messaging.conftest import ledger  # noqa: F401 — the hand-worked ledger

pytestmark = [pytest.mark.browser]


def test_the_statement_reads_well(ledger, browser):  # noqa: F811
    with tenant_context(ledger.tenant):
        letterhead_update(
            company_name="Alpha Trading Ltd",
            address="2 Dock Road\nHull HU1 2AB",
            registration="Company no. 01234567 · VAT GB 123 4567 89",
            bank_details="Northern Bank, IBAN GB00 NBNK 0000 0000 1234 56, BIC NBNKGB2L",
            remittance="Please pay within terms.",
        )
        open_item = documents.statement_html(
            documents.statement_build(customer=ledger.customer, as_of=D("2026-03-31"))
        )
        activity = documents.statement_html(
            documents.statement_build(
                customer=ledger.customer, as_of=D("2026-03-31"), period_start=D("2026-02-01")
            )
        )
        from django.template.loader import render_to_string

        from ledger.models import LedgerEntry

        letterhead = documents.letterhead_get()
        copy = render_to_string(
            "messaging/entry_copy_pdf.html",
            {
                "entry": LedgerEntry.objects.get(document_no="INV-1"),
                "customer": ledger.customer,
                "letterhead": letterhead,
                "company_name": letterhead.company_name,
                "as_of": D("2026-03-31"),
            },
        )
    page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
    ARTEFACTS.mkdir(exist_ok=True)
    for name, html in (("open_item", open_item), ("activity", activity), ("entry_copy", copy)):
        page.set_content(html)
        assert page.locator("h1").inner_text() in (
            "Statement of account",
            "Activity statement",
            "Invoice INV-1",
        )
        page.screenshot(path=str(ARTEFACTS / f"statement_{name}.png"), full_page=True)
    page.close()
