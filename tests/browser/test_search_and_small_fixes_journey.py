"""Search and the smaller fixes in the browser: namesakes and a partial document number found from the
top bar; a recalculation's history row following its bar to the finished state; the one-point DSO chart;
a viewer's card without write links and the styled refusal; the import formats page."""

import datetime
import re

import pytest

from aging.models import RecalculationRun
from aging.services import kpi_snapshot_take, recalculate_all, recalculation_start
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from customers.models import Contact
from customers.services import contact_save
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    anna = make_member(tenant_a, Role.CONTROLLER, username="anna")
    ben = make_member(tenant_a, Role.CONTROLLER, username="ben")
    make_member(tenant_a, Role.ADMIN, username="ada")
    make_member(tenant_a, Role.VIEWER, username="vic")
    with tenant_context(tenant_a):
        leeds = factories.customer(code="C100", name="Harbour Foods Ltd", city="Leeds", controller=anna)
        york = factories.customer(code="C200", name="Harbour Foods Ltd", city="York", controller=ben)
        today = tenant_a.today()
        factories.invoice(
            leeds, "SI-2026-00417", (today - datetime.timedelta(days=40)).isoformat(), "1200.00"
        )
        factories.invoice(york, "SI-2026-00418", (today - datetime.timedelta(days=10)).isoformat(), "80.50")
        contact_save(contact=Contact(customer=york, name="Otto Quist", email="otto@harbour-york.example"))
        recalculate_all(trigger="command")
        kpi_snapshot_take(as_of=tenant_a.today())
    return {"leeds": leeds, "york": york}


def shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def test_search_tells_namesakes_apart_and_finds_part_of_a_document_number(page, book):
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    dso = page.locator('svg[aria-label="DSO over time"]')
    assert dso.locator("circle").count() == 1 and dso.locator(".point-value").count() == 1
    shot(page, "dashboard-one-point-dso")

    page.fill(".global-search input[name=q]", "harbour")
    page.press(".global-search input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/customers/search/"))
    rows = page.locator("#search-customers tbody tr")
    assert [rows.nth(i).locator("td").all_inner_texts()[:4] for i in range(rows.count())] == [
        ["C100", "Harbour Foods Ltd", "Leeds", "anna"],
        ["C200", "Harbour Foods Ltd", "York", "ben"],
    ]
    assert page.locator("[data-count=contacts]").inner_text() == "1"
    shot(page, "search-namesakes")

    page.fill("form.search-form input[name=q]", "2026-004")
    page.press("form.search-form input[name=q]", "Enter")
    page.wait_for_selector("#search-documents tbody tr[data-entry]")
    assert page.locator("#search-documents tbody tr td:first-child").all_inner_texts() == [
        "SI-2026-00418",
        "SI-2026-00417",
    ]
    shot(page, "search-documents")
    page.click("#search-documents a:has-text('SI-2026-00418')")
    page.wait_for_url(re.compile(r"/ledger/\?customer="))
    assert "SI-2026-00418" in page.locator("table.entries").inner_text()
    assert "SI-2026-00417" not in page.locator("table.entries").inner_text()


def test_the_run_row_follows_the_bar_to_the_finished_state(page, book, tenant_a):
    with tenant_context(tenant_a):
        run = recalculation_start(kind="all")  # no worker here: it waits, queued
        RecalculationRun.objects.filter(pk=run.pk).update(status="running", progress=40)
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/aging/recalculations/")
    row = page.locator(f"#run-row-{run.pk}")
    assert row.get_attribute("data-status") == "running"
    with tenant_context(tenant_a):
        recalculate_all(trigger="manual", run_id=run.pk)
    page.wait_for_selector(f"#run-row-{run.pk}[data-status=succeeded]")
    cells = page.locator(f"#run-row-{run.pk} td").all_inner_texts()
    assert (cells[7], cells[8], cells[9]) == ("2", "2", "Succeeded")
    assert page.locator(f"#run-{run.pk}").get_attribute("data-status") == "succeeded"
    shot(page, "recalculation-run-finished")


def test_a_viewer_sees_no_write_links_and_a_styled_refusal(page, book):
    sign_in(page, "vic", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto(f"/t/alpha/customers/{book['york'].pk}/")
    assert page.locator("a:has-text('Create interaction')").count() == 0
    assert page.locator("a:has-text('New to-do')").count() == 0
    assert page.locator("a:has-text('Record payment')").count() == 0
    shot(page, "viewer-card")
    response = page.goto(f"/t/alpha/interactions/new/?customer={book['york'].pk}")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "That could not be done"
    assert page.locator(".page-error").inner_text().startswith("You are a viewer here")
    shot(page, "viewer-refused")


def test_the_import_formats_page(page, book):
    sign_in(page, "ada", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/ledger/import/")
    page.click("#import-formats-link")
    page.wait_for_url(re.compile(r"/ledger/import/formats/$"))
    assert page.locator("section.import-format h2").all_inner_texts() == [
        "Customers · key code",
        "Ledger entries · key external_id",
        "Applications · key external_id",
        "The ERP's PDFs (ZIP) · key document_no",
    ]
    with page.expect_download() as download:
        page.click("#format-entries a[download]")
    assert download.value.suggested_filename == "sample-entries.csv"
    shot(page, "import-formats")
