"""Errors in the browser: a payment refused on a balance due row shows its error next to the field in the
row (htmx swaps the 422), and a broken rule behind an htmx request shows in the page's error area."""

import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.services import interaction_create
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    make_member(tenant_a, Role.CONTROLLER, username="carol")
    with tenant_context(tenant_a):
        pounds = factories.customer(code="C100", name="Harbour Foods Ltd")
        dollars = factories.customer(code="C200", name="Kestrel Motors Inc", currency_code="USD")
        invoice = factories.invoice(pounds, "SI-1", "2026-01-10", "700.00")
        other = factories.invoice(pounds, "SI-2", "2026-01-11", "300.00")
        factories.invoice(dollars, "SI-3", "2026-01-10", "100.00", amount_lcy="80.00")
        interaction = interaction_create(customer=pounds, description="Call", entry_ids=[invoice.pk])
        recalculate_all(trigger="command")
    return {"pounds": pounds, "dollars": dollars, "interaction": interaction, "other": other}


def test_a_refused_payment_shows_its_error_in_the_row(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/customers/balance-due/")
    row = page.locator(f"#bd-{book['dollars'].pk}")

    row.locator("input[name=amount]").fill("0")
    row.locator("input[name=amount_lcy]").fill("40.00")
    row.locator("input[name=document_no]").fill("BANK-1")
    row.locator("button:has-text('Record payment')").click()

    error = page.locator(f"#bd-{book['dollars'].pk} .field-error[data-field=amount]")
    error.wait_for()
    assert error.inner_text() == "Ensure this value is greater than or equal to 0.01."
    assert page.locator(f"#bd-{book['dollars'].pk} input[name=amount]").input_value() == "0"
    assert page.locator("h1").inner_text() == "Balance due report"  # the page is still the page

    row = page.locator(f"#bd-{book['dollars'].pk}")
    row.locator("input[name=amount]").fill("50.00")
    row.locator("button:has-text('Record payment')").click()
    page.wait_for_selector(f"#bd-{book['dollars'].pk} [role=status]")
    assert page.locator(f"#bd-{book['dollars'].pk} [data-figure=balance]").inner_text() == "40.00 GBP"


def test_a_broken_rule_behind_htmx_shows_in_the_page_error_area(page, book):
    sign_in(page, "carol", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    interaction = book["interaction"]
    page.goto(f"/t/alpha/interactions/{interaction.pk}/")
    totals = page.locator("#selection-totals").inner_html()

    # SI-2 is no line of this interaction: as if a stale page ticked it
    page.evaluate(
        """([url, entry]) => htmx.ajax("POST", url, {
            target: "#selection-totals", swap: "outerHTML", values: {entry: entry, selected: "on"},
            headers: JSON.parse(document.body.getAttribute("hx-headers")),
        })""",
        [f"/t/alpha/interactions/{interaction.pk}/lines/", str(book["other"].pk)],
    )

    error = page.locator("#page-errors .page-error")
    error.wait_for()
    assert error.inner_text() == f"Entries [{book['other'].pk}] are not lines of this interaction."
    assert page.locator("#selection-totals").inner_html() == totals


def test_a_feed_with_a_bad_application_lists_its_errors_by_file(page, book, tmp_path, settings, make_member):
    """Entries and their applications uploaded together: one bad application, nothing imported, and the
    error table names the file; then the corrected feed imports both."""
    settings.MEDIA_ROOT = tmp_path

    def make(name: str, text: str) -> str:
        (tmp_path / name).write_text(text)
        return str(tmp_path / name)

    entries = make(
        "entries.csv",
        "external_id,customer,document_type,document_no,posting_date,amount\n"
        "F-INV,C100,invoice,SI-9,2026-02-01,250.00\nF-PAY,C100,payment,PMT-9,2026-02-10,-250.00\n",
    )
    header = "external_id,applying_entry,applied_entry,amount,posting_date\n"
    wrong = make("wrong.csv", header + "F-APP,F-PAY,F-INV,260.00,2026-02-10\n")
    right = make("right.csv", header + "F-APP,F-PAY,F-INV,250.00,2026-02-10\n")
    make_member(book["pounds"].tenant, Role.MANAGER, username="mona")
    sign_in(page, "mona", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    for applications in (wrong, right):
        page.goto("/t/alpha/ledger/import/")
        page.select_option("#id_kind", "entries")
        page.set_input_files("#id_file", entries)
        page.set_input_files("#id_applications", applications)
        ARTEFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTEFACTS / "feed-import-form.png"), full_page=True)
        page.click("button:has-text('Import')")
        page.locator("[data-status=done], [data-status=failed]").wait_for()
        if applications == wrong:
            assert page.locator(".import-errors tbody tr").all_inner_texts() == [
                "applications\t2\tamount\tOver-application: applying 260.00 brings the total applied to entry "
                "'F-INV' to 260.00, more than its amount of 250.00.",
                "applications\t2\tamount\tOver-application: applying 260.00 brings the total applied to entry "
                "'F-PAY' to 260.00, more than its amount of 250.00.",
            ]
            assert (
                page.locator("h1").inner_text()
                == "Import of entries.csv and wrong.csv (entries and applications)"
            )
            page.screenshot(path=str(ARTEFACTS / "feed-import-errors.png"), full_page=True)
    assert page.locator("[data-status=done]").inner_text() == (
        "Imported 2 entries rows: 2 created, 0 updated, 0 unchanged; "
        "1 applications rows: 1 created, 0 updated, 0 unchanged."
    )
