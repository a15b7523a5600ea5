"""A manager imports the night's zip of the ERP's PDFs: from the import page to the result, one wrong file
refusing the whole zip first; then a copy of the invoice is the ERP's PDF."""

import io
import re
import zipfile

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from messaging.models import Document, DocumentKind
from tests import factories
from tests.browser.conftest import ARTEFACTS, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _zip(members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


def _shot(page, name):
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"document_import_{name}.png"), full_page=True)


def test_a_manager_imports_the_erps_pdfs(page, tenant_a, make_member):
    with tenant_context(tenant_a):
        customer = factories.customer(code="C001", name="Crown Fabrics Ltd")
        invoice = factories.invoice(customer, "SI1001", "2026-01-05", "1000.00")
        factories.credit_memo(customer, "SCM2001", "2026-01-20", "120.00")
    make_member(tenant_a, Role.MANAGER, username="mona")
    sign_in(page, "mona", PASSWORD)
    page.wait_for_url(re.compile(r"/t/alpha/$"))
    page.goto("/t/alpha/ledger/import/")
    page.click("#document-import-link")
    assert page.locator("h1").inner_text() == "Import the ERP's PDFs"
    _shot(page, "0_form")

    wrong = _zip(
        [
            ("SI1001.pdf", b"%PDF-1.4 invoice"),
            ("SCM2001.pdf", b"<html>"),
            ("documents.csv", "document_no,colour\n"),
        ]
    )
    page.set_input_files(
        "#id_file", files=[{"name": "night.zip", "mimeType": "application/zip", "buffer": wrong}]
    )
    page.click("button:has-text('Import')")
    page.wait_for_selector("[data-status=done], [data-status=failed]")
    assert page.locator("#import-progress .error").inner_text() == "The zip has 2 errors: nothing was stored."
    assert page.locator(".import-errors tbody tr").all_inner_texts() == [
        "documents.csv\t1\tcolour\tUnknown column.",
        "SCM2001.pdf\t\t\tThe file is not a PDF (it does not begin with %PDF-).",
    ]
    _shot(page, "1_refused")

    page.click("text=Import another zip")
    good = _zip([("SI1001.pdf", b"%PDF-1.4 invoice"), ("night/SCM2001.pdf", b"%PDF-1.4 credit memo")])
    page.set_input_files(
        "#id_file", files=[{"name": "night.zip", "mimeType": "application/zip", "buffer": good}]
    )
    page.click("button:has-text('Import')")
    page.wait_for_selector("[data-status=done]")
    assert page.locator("h1").inner_text() == "Import of night.zip (the ERP's PDFs)"
    assert (
        page.locator("#import-progress .success").inner_text()
        == "2 documents: 2 stored, 0 replaced, 0 unchanged."
    )
    assert page.locator(".import-counts tbody tr").inner_text() == "2\t0\t0"
    _shot(page, "2_done")
    with tenant_context(tenant_a):
        assert bytes(Document.objects.get(entry=invoice, kind=DocumentKind.ERP_DOCUMENT).content) == (
            b"%PDF-1.4 invoice"
        )

    page.goto("/t/alpha/ledger/import/formats/#format-documents")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(ARTEFACTS / "document_import_3_format.png"))
    page.click("#format-documents >> text=Import a zip of PDFs")
    page.wait_for_url(re.compile(r"/t/alpha/documents/import/$"))
