"""Statements of account: exactly the open entries and totals of a hand-worked ledger as of a date, per
currency, with the aging bands adding up to the balance; an activity statement whose brought- and
carried-forward balances are the as-of balances; and the PDF's text saying the same."""

import io
from decimal import Decimal

import pytest

from creditcontrol.tenancy import tenant_context
from ledger.selectors import customer_balance_as_of
from messaging import documents
from messaging.statements import statement_activity, statement_open_item
from tests.conftest import require_system_package
from tests.factories import D

M = Decimal


def _lines(section):
    return [(line.document_no, line.remaining, line.days_overdue, line.band) for line in section.lines]


def test_the_open_item_statement_lists_what_is_open_on_the_date_per_currency(ledger):
    with tenant_context(ledger.tenant):
        statement = statement_open_item(customer=ledger.customer, as_of=D("2026-03-31"))
    gbp, usd = statement.sections
    assert (gbp.currency, usd.currency) == ("GBP", "USD")
    # what is owed, by due date: days overdue = 2026-03-31 - due date
    assert _lines(gbp) == [
        ("INV-3", M("300.00"), 120, "Over 90 days"),
        ("INV-1", M("600.00"), 55, "31-60 days"),
        ("INV-2", M("250.00"), 0, "Not due"),
    ]
    # what is owed to the customer, netted under it (PAY-2's application is after the date)
    assert [(c.document_no, c.remaining, c.band) for c in gbp.credits] == [
        ("CM-1", M("-120.00"), "1-30 days"),
        ("PAY-2", M("-500.00"), "1-30 days"),
    ]
    assert (gbp.total_owed, gbp.total_credits, gbp.balance) == (M("1150.00"), M("-620.00"), M("530.00"))
    # overdue: due before the date, credits netted (300 + 600 - 120 - 500)
    assert gbp.overdue == M("280.00")
    assert [(b.label, b.amount) for b in gbp.bands] == [
        ("Not due", M("250.00")),
        ("1-30 days", M("-620.00")),
        ("31-60 days", M("600.00")),
        ("61-90 days", M("0.00")),
        ("Over 90 days", M("300.00")),
    ]
    assert sum(b.amount for b in gbp.bands) == gbp.balance
    assert _lines(usd) == [("INV-U1", M("200.00"), 28, "1-30 days")]
    assert (usd.balance, usd.overdue) == (M("200.00"), M("200.00"))


def test_a_later_date_sees_the_later_application_and_entries(ledger):
    with tenant_context(ledger.tenant):
        gbp = statement_open_item(customer=ledger.customer, as_of=D("2026-04-05")).sections[0]
    # INV-3 paid by 300.00 of PAY-2 on 04-02; INV-4 posted on 04-05
    assert [line.document_no for line in gbp.lines] == ["INV-1", "INV-2", "INV-4"]
    assert [(c.document_no, c.remaining) for c in gbp.credits] == [
        ("CM-1", M("-120.00")),
        ("PAY-2", M("-200.00")),
    ]
    assert gbp.balance == M("1529.00")


def test_the_activity_statement_carries_the_as_of_balances_forward(ledger):
    with tenant_context(ledger.tenant):
        statement = statement_activity(customer=ledger.customer, start=D("2026-02-01"), end=D("2026-03-31"))
        gbp_before = customer_balance_as_of(customer_id=ledger.customer.pk, as_of=D("2026-01-31"))
    gbp, usd = statement.sections
    # brought forward: INV-3 300 + INV-1 1000 (INV-5 paid on 01-15); the USD invoice came on 02-01
    assert gbp.brought_forward == M("1300.00") == gbp_before
    assert [(line.document_no, line.amount, line.running_balance) for line in gbp.lines] == [
        ("PAY-1", M("-400.00"), M("900.00")),
        ("INV-2", M("250.00"), M("1150.00")),
        ("CM-1", M("-120.00"), M("1030.00")),
        ("PAY-2", M("-500.00"), M("530.00")),
    ]
    assert [(a.applying_document, a.applied_document, a.amount) for a in gbp.applications] == [
        ("PAY-1", "INV-1", M("400.00"))
    ]
    assert gbp.carried_forward == M("530.00") == gbp.lines[-1].running_balance
    assert (usd.brought_forward, usd.carried_forward) == (M("0.00"), M("200.00"))


@pytest.fixture
def pdf_text():
    try:
        import weasyprint  # noqa: F401
    except OSError:
        require_system_package(False, "WeasyPrint needs Pango (libpango-1.0-0, libpangoft2-1.0-0)")
    from pypdf import PdfReader

    def extract(content: bytes) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)

    return extract


def test_the_pdf_says_what_the_statement_says(ledger, pdf_text):
    with tenant_context(ledger.tenant):
        documents.letterhead_get()
        from messaging.services import letterhead_update

        letterhead_update(
            company_name="Alpha Trading Ltd",
            address="2 Dock Road\nHull",
            bank_details="Northern Bank, IBAN GB00 NBNK 0000 0000 1234 56",
            remittance="Please pay within terms.",
        )
        document = documents.statement_document(customer=ledger.customer, as_of=D("2026-03-31"))
    assert document.filename == "statement-C001-2026-03-31.pdf"
    assert document.size == len(bytes(document.content)) and bytes(document.content).startswith(b"%PDF-")
    text = pdf_text(bytes(document.content))
    for expected in [
        "Statement of account",
        "Crown Fabrics Ltd",
        "INV-3",
        "1,000.00",
        "Total owed 1,150.00",
        "Payments and credits not yet applied -620.00",
        "Balance (GBP) 530.00",
        "Balance (USD) 200.00",
        "IBAN GB00 NBNK 0000 0000 1234 56",
        "Please quote customer no. C001.",
    ]:
        assert expected in text, expected
    assert "INV-4" not in text and "INV-5" not in text


def test_the_activity_pdf_shows_both_balances(ledger, pdf_text):
    with tenant_context(ledger.tenant):
        document = documents.statement_document(
            customer=ledger.customer, as_of=D("2026-03-31"), period_start=D("2026-02-01")
        )
    text = pdf_text(bytes(document.content))
    assert document.filename == "activity-statement-C001-2026-03-31.pdf"
    assert "Balance brought forward 1,300.00" in text
    assert "Balance carried forward (GBP) 530.00" in text
