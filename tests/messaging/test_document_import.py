"""The ERP's PDFs in bulk: a zip of `<document_no>.pdf` files (and a documents.csv where numbers repeat),
checked whole and stored all together or not at all (messaging.document_import)."""

import hashlib
import io
import zipfile
from decimal import Decimal

import pytest

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from ledger.models import DocumentType
from ledger.services import ledger_entry_post
from messaging.document_import import documents_import, zips
from messaging.documents import entry_copy
from messaging.models import Document, DocumentKind
from tests import factories
from tests.factories import D


def pdf(text: str) -> bytes:
    return f"%PDF-1.4\n% {text}\n%%EOF\n".encode()


def make_zip(members, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return out.getvalue()


THREE = [
    ("SI1001.pdf", pdf("invoice 1001")),
    ("nightly/SI1002.PDF", pdf("invoice 1002")),  # a folder and an upper-case extension
    ("SCM2001.pdf", pdf("credit memo 2001")),
]


@pytest.fixture
def ledger(tenant_a, tenant_b):
    """Tenant A: C001 with invoices SI1001, SI1002 and credit memo SCM2001; C002 with invoice SI1001 too
    is not made here (see `twice`). Tenant B: an invoice SI1001 of its own, never to be matched from A."""
    with tenant_context(tenant_b):
        other = factories.customer(code="C001", name="Beta Kunde")
        factories.invoice(other, "SI1001", "2026-01-05", "50.00")
    with tenant_context(tenant_a):
        customer = factories.customer(code="C001", name="Crown Fabrics Ltd")
        entries = {
            "SI1001": factories.invoice(customer, "SI1001", "2026-01-05", "1000.00"),
            "SI1002": factories.invoice(customer, "SI1002", "2026-01-06", "250.00"),
            "SCM2001": factories.credit_memo(customer, "SCM2001", "2026-01-20", "120.00"),
        }
    return entries


@pytest.fixture
def twice(ledger, tenant_a):
    """The number 7001 on two entries of tenant A: an invoice of C001 and a credit memo of C002."""
    with tenant_context(tenant_a):
        c002 = factories.customer(code="C002", name="Baker Builders plc")
        invoice = ledger_entry_post(
            customer=ledger["SI1001"].customer,
            document_type=DocumentType.INVOICE,
            document_no="7001",
            posting_date=D("2026-02-01"),
            amount=Decimal("300.00"),
            external_id="E-7001-I",
        )
        memo = ledger_entry_post(
            customer=c002,
            document_type=DocumentType.CREDIT_MEMO,
            document_no="7001",
            posting_date=D("2026-02-02"),
            amount=Decimal("-80.00"),
            external_id="E-7001-C",
        )
    return {"invoice": invoice, "memo": memo}


def run(tenant, content: bytes, user=None):
    with tenant_context(tenant):
        return documents_import(source=io.BytesIO(content), user=user).as_dict()


def stored(tenant) -> list[tuple[str, str, str]]:
    with tenant_context(tenant):
        return sorted(
            Document.objects.filter(kind=DocumentKind.ERP_DOCUMENT).values_list(
                "entry__document_no", "filename", "sha256"
            )
        )


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_three_pdfs_are_stored_and_a_copy_is_then_the_erps_pdf(tenant_a, ledger):
    result = run(tenant_a, make_zip(THREE))
    assert result == {
        "ok": True,
        "detail": "3 documents: 3 stored, 0 replaced, 0 unchanged.",
        "files": 3,
        "stored": 3,
        "replaced": 0,
        "unchanged": 0,
        "errors": [],
    }
    assert stored(tenant_a) == [
        ("SCM2001", "SCM2001.pdf", sha(pdf("credit memo 2001"))),
        ("SI1001", "SI1001.pdf", sha(pdf("invoice 1001"))),
        ("SI1002", "SI1002.PDF", sha(pdf("invoice 1002"))),
    ]
    with tenant_context(tenant_a):
        copy = entry_copy(entry=ledger["SI1002"])
        assert (copy.kind, bytes(copy.content)) == (DocumentKind.ERP_DOCUMENT, pdf("invoice 1002"))
        assert Document.objects.filter(kind=DocumentKind.ENTRY_COPY).count() == 0


def test_the_same_zip_again_changes_nothing(tenant_a, ledger):
    run(tenant_a, make_zip(THREE))
    before = stored(tenant_a)
    with tenant_context(tenant_a):
        ids = sorted(Document.objects.values_list("pk", flat=True))
    result = run(tenant_a, make_zip(THREE))
    assert (result["detail"], result["stored"], result["replaced"], result["unchanged"]) == (
        "3 documents: 0 stored, 0 replaced, 3 unchanged.",
        0,
        0,
        3,
    )
    assert stored(tenant_a) == before
    with tenant_context(tenant_a):
        assert sorted(Document.objects.values_list("pk", flat=True)) == ids


def test_a_new_pdf_of_an_entry_replaces_the_old(tenant_a, ledger):
    run(tenant_a, make_zip(THREE))
    result = run(tenant_a, make_zip([("SI1001.pdf", pdf("invoice 1001, corrected")), THREE[2]]))
    assert result["detail"] == "2 documents: 0 stored, 1 replaced, 1 unchanged."
    assert stored(tenant_a) == [
        ("SCM2001", "SCM2001.pdf", sha(pdf("credit memo 2001"))),
        ("SI1001", "SI1001.pdf", sha(pdf("invoice 1001, corrected"))),
        ("SI1002", "SI1002.PDF", sha(pdf("invoice 1002"))),
    ]


def test_another_tenants_entry_with_the_same_number_is_never_matched(tenant_a, tenant_b, ledger):
    run(tenant_a, make_zip(THREE))
    result = run(tenant_b, make_zip([("SI1002.pdf", pdf("b")), ("SI1001.pdf", pdf("b's own"))]))
    assert result["errors"] == [
        {
            "file": "SI1002.pdf",
            "row": None,
            "column": "",
            "message": "No ledger entry has the document number SI1002.",
        }
    ]
    assert stored(tenant_b) == []
    result = run(tenant_b, make_zip([("SI1001.pdf", pdf("b's own"))]))
    assert result["detail"] == "1 document: 1 stored, 0 replaced, 0 unchanged."
    assert stored(tenant_b) == [("SI1001", "SI1001.pdf", sha(pdf("b's own")))]
    assert stored(tenant_a)[1] == ("SI1001", "SI1001.pdf", sha(pdf("invoice 1001")))


def messages(result) -> list[tuple]:
    return [(e["file"], e["row"], e["column"], e["message"]) for e in result["errors"]]


def test_each_file_that_is_wrong_is_named_and_nothing_is_stored(tenant_a, ledger):
    big = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    content = make_zip(
        [
            THREE[0],
            ("SI1002.pdf", b"<html>not a pdf</html>"),
            ("SCM2001.pdf", big),
            ("SI9999.pdf", pdf("nobody's")),
            ("notes.txt", b"hello"),
        ],
        compression=zipfile.ZIP_STORED,
    )
    result = run(tenant_a, content)
    assert result["detail"] == "The zip has 4 errors: nothing was stored."
    assert messages(result) == [
        ("notes.txt", None, "", "Not a PDF: the zip holds <document_no>.pdf files and documents.csv."),
        ("SI9999.pdf", None, "", "No ledger entry has the document number SI9999."),
        ("SI1002.pdf", None, "", "The file is not a PDF (it does not begin with %PDF-)."),
        ("SCM2001.pdf", None, "", "The file is 10,485,769 bytes; at most 10,485,760 are accepted."),
    ]
    assert stored(tenant_a) == []


def test_a_number_on_several_entries_needs_the_manifest(tenant_a, twice):
    result = run(tenant_a, make_zip([("7001.pdf", pdf("which?")), THREE[0]]))
    assert messages(result) == [
        (
            "7001.pdf",
            None,
            "",
            "The document number 7001 is on 2 entries: Invoice 7001 of C001, Credit memo 7001 of C002; tell them "
            "apart in documents.csv (document_type, customer_code).",
        )
    ]
    assert stored(tenant_a) == []
    manifest = (
        "document_no,document_type,customer_code,file\n"
        "7001,invoice,C001,inv-7001.pdf\n"
        "7001,,C002,cm/7001-credit.pdf\n"
    )
    result = run(
        tenant_a,
        make_zip(
            [
                ("documents.csv", manifest),
                ("inv-7001.pdf", pdf("invoice 7001")),
                ("cm/7001-credit.pdf", pdf("memo 7001")),
                THREE[0],  # not in the manifest: matched by its name
            ]
        ),
    )
    assert result["detail"] == "3 documents: 3 stored, 0 replaced, 0 unchanged."
    with tenant_context(tenant_a):
        assert bytes(Document.objects.get(entry=twice["invoice"]).content) == pdf("invoice 7001")
        assert bytes(Document.objects.get(entry=twice["memo"]).content) == pdf("memo 7001")
        assert Document.objects.get(entry=twice["memo"]).filename == "7001-credit.pdf"


def test_the_manifests_rows_are_checked_with_their_row_and_column(tenant_a, twice):
    manifest = (
        "document_no,document_type,customer_code,file,colour\n"
        ",invoice,C001,a.pdf,\n"  # row 2
        "7001,bill,C001,a.pdf,\n"  # row 3
        "7001,invoice,C009,a.pdf,\n"  # row 4
        "7001,credit_memo,C001,a.pdf,\n"  # row 5
        "7001,,,a.pdf,\n"  # row 6
        "SI1001,,,missing.pdf,\n"  # row 7
    )
    result = run(tenant_a, make_zip([("documents.csv", manifest), ("a.pdf", pdf("a"))]))
    assert messages(result) == [
        ("documents.csv", 1, "colour", "Unknown column."),
        ("documents.csv", 2, "document_no", "Required."),
        (
            "documents.csv",
            3,
            "document_type",
            "Not a document type: invoice, credit_memo, payment, refund, finance_charge_memo, reminder.",
        ),
        ("documents.csv", 7, "file", "No file missing.pdf in the zip."),
        ("documents.csv", 4, "customer_code", "No customer has this code."),
        (
            "documents.csv",
            5,
            "document_no",
            "No ledger entry has the document number 7001 of type credit_memo of customer C001.",
        ),
        (
            "documents.csv",
            6,
            "document_no",
            "The document number 7001 is on 2 entries: Invoice 7001 of C001, Credit memo 7001 of C002; tell them "
            "apart in documents.csv (document_type, customer_code).",
        ),
    ]
    assert stored(tenant_a) == []


def test_a_manifest_without_document_no_and_two_files_for_one_entry(tenant_a, ledger):
    result = run(tenant_a, make_zip([("documents.csv", "file\nSI1001.pdf\n"), THREE[0]]))
    assert messages(result) == [("documents.csv", 1, "document_no", "The column is required.")]
    result = run(tenant_a, make_zip([THREE[0], ("old/SI1001.pdf", pdf("older"))]))
    assert messages(result) == [
        ("old/SI1001.pdf", None, "", "Invoice SI1001 of C001 already has the file SI1001.pdf.")
    ]
    assert stored(tenant_a) == []


def test_a_zip_bomb_is_refused(tenant_a, ledger):
    # 20 MB of zeros packs to about 20 kB: a thousand to one.
    result = run(tenant_a, make_zip([THREE[0], ("SI1002.pdf", b"%PDF-" + bytes(20 * 1024 * 1024))]))
    assert len(result["errors"]) == 1
    error = result["errors"][0]
    assert (error["file"], error["row"], error["column"]) == ("SI1002.pdf", None, "")
    assert error["message"].startswith("The file is packed 1,0")
    assert error["message"].endswith(" to 1 (at most 100 to 1 is accepted): refused as a zip bomb.")
    assert stored(tenant_a) == []


def test_a_zip_over_the_total_is_refused(tenant_a, ledger, monkeypatch):
    monkeypatch.setattr(zips, "ZIP_MAX_UNCOMPRESSED", 90)
    result = run(tenant_a, make_zip(THREE))
    total = sum(len(content) for _, content in THREE)
    assert messages(result) == [
        ("", None, "", f"The zip holds {total:,} bytes once unpacked; at most 90 are accepted.")
    ]
    assert stored(tenant_a) == []


def test_a_corrupt_zip_and_a_damaged_member(tenant_a, ledger):
    result = run(tenant_a, make_zip(THREE)[:60])
    assert messages(result) == [
        ("", None, "", "The file is not a readable ZIP file. (File is not a zip file)")
    ]
    content = bytearray(make_zip(THREE, compression=zipfile.ZIP_STORED))
    at = content.index(b"invoice 1001")
    content[at] = ord("X")  # the data no longer matches its CRC
    result = run(tenant_a, bytes(content))
    assert messages(result) == [
        (
            "SI1001.pdf",
            None,
            "",
            "The file cannot be read back from the zip (Bad CRC-32 for file 'SI1001.pdf').",
        )
    ]
    assert stored(tenant_a) == []


def test_names_leading_outside_the_zip_are_refused(tenant_a, ledger):
    result = run(
        tenant_a,
        make_zip(
            [
                THREE[0],
                ("../SI1002.pdf", pdf("x")),
                ("/etc/SCM2001.pdf", pdf("y")),
                ("a\\..\\b.pdf", pdf("z")),
            ]
        ),
    )
    refused = "The name leads outside the zip's folder (/, \\, a drive or ..)."
    assert messages(result) == [
        ("../SI1002.pdf", None, "", refused),
        ("/etc/SCM2001.pdf", None, "", refused),
        ("a\\..\\b.pdf", None, "", refused),
    ]
    assert stored(tenant_a) == []


# --- the page and the API ----------------------------------------------------------------------------


def test_the_page_imports_in_a_job_and_shows_the_counts(
    tenant_a, ledger, make_member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    page = client.get("/t/alpha/documents/import/")
    assert page.status_code == 200
    assert 'href="/t/alpha/documents/import/"' in client.get("/t/alpha/ledger/import/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/documents/import/", {"file": io.BytesIO(make_zip(THREE))}, format="multipart"
        )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "3 documents: 3 stored, 0 replaced, 0 unchanged." in html
    assert len(stored(tenant_a)) == 3


def test_the_page_refuses_a_bad_zip_at_once(tenant_a, ledger, make_member, client_for):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    upload = io.BytesIO(make_zip([("../SI1001.pdf", pdf("x"))]))
    upload.name = "bad.zip"
    response = client.post("/t/alpha/documents/import/", {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The zip has 1 error: nothing was stored." in html
    assert "The name leads outside the zip&#x27;s folder (/, \\, a drive or ..)." in html


def test_the_api_answers_202_with_a_job_then_its_result(
    tenant_a, ledger, make_member, api_for, django_capture_on_commit_callbacks
):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    upload = io.BytesIO(make_zip(THREE))
    upload.name = "nightly.zip"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/t/alpha/documents/import/", {"file": upload}, format="multipart")
    assert response.status_code == 202
    job = response.json()
    assert (job["status"], job["file_name"], job["url"]) == (
        "queued",
        "nightly.zip",
        f"/api/t/alpha/documents/import/{job['id']}/",
    )
    answer = api.get(job["url"])
    assert answer.status_code == 200
    assert answer.json()["status"] == "done"
    assert answer.json()["result"] == {
        "ok": True,
        "detail": "3 documents: 3 stored, 0 replaced, 0 unchanged.",
        "files": 3,
        "stored": 3,
        "replaced": 0,
        "unchanged": 0,
        "errors": [],
    }
    # an error the ledger decides (no such entry): the job's result lists it, nothing is stored
    upload = io.BytesIO(make_zip([("SI1001.pdf", pdf("new")), ("X1.pdf", pdf("x"))]))
    upload.name = "nightly.zip"
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post("/api/t/alpha/documents/import/", {"file": upload}, format="multipart").json()
    result = api.get(job["url"]).json()["result"]
    assert (result["detail"], result["errors"]) == (
        "The zip has 1 error: nothing was stored.",
        [
            {
                "file": "X1.pdf",
                "row": None,
                "column": "",
                "message": "No ledger entry has the document number X1.",
            }
        ],
    )
    assert stored(tenant_a)[1] == ("SI1001", "SI1001.pdf", sha(pdf("invoice 1001")))


def test_the_api_refuses_a_bad_zip_with_a_400(tenant_a, ledger, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    upload = io.BytesIO(b"PK\x03\x04 not really")
    upload.name = "broken.zip"
    response = api.post("/api/t/alpha/documents/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The file is not a readable ZIP file.",
        "code": "import_invalid",
        "errors": [
            {
                "file": "",
                "row": None,
                "column": "",
                "message": "The file is not a readable ZIP file. (File is not a zip file)",
            }
        ],
    }
    response = api.post("/api/t/alpha/documents/import/", {}, format="multipart")
    assert (response.status_code, response.json()) == (
        400,
        {"file": ["Send the ZIP file as the multipart field file."]},
    )
    assert stored(tenant_a) == []


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTROLLER])
def test_viewers_and_controllers_are_refused(
    role, tenant_a, ledger, make_member, client_for, api_for, django_capture_on_commit_callbacks
):
    manager = api_for(make_member(tenant_a, Role.MANAGER))
    upload = io.BytesIO(make_zip(THREE))
    upload.name = "nightly.zip"
    with django_capture_on_commit_callbacks(execute=True):
        job = manager.post("/api/t/alpha/documents/import/", {"file": upload}, format="multipart").json()
    member = make_member(tenant_a, role)
    client = client_for(member)
    assert client.get("/t/alpha/documents/import/").status_code == 403
    assert client.post("/t/alpha/documents/import/", {"file": io.BytesIO(make_zip(THREE))}).status_code == 403
    assert client.get(f"/t/alpha/documents/import/{job['id']}/").status_code == 403
    api = api_for(member)
    upload = io.BytesIO(make_zip(THREE))
    upload.name = "nightly.zip"
    assert api.post("/api/t/alpha/documents/import/", {"file": upload}, format="multipart").status_code == 403
    assert api.get(job["url"]).status_code == 403


def test_the_sample_manifest_of_the_formats_page_imports(tenant_a, ledger, make_member, client_for):
    response = client_for(make_member(tenant_a, Role.VIEWER)).get(
        "/t/alpha/ledger/import/formats/sample-documents.csv"
    )
    assert (response.status_code, response["Content-Disposition"]) == (
        200,
        'attachment; filename="sample-documents.csv"',
    )
    with tenant_context(tenant_a):
        customer = ledger["SI1001"].customer
        factories.invoice(customer, "SI0001001", "2025-01-15", "1200.00")
        factories.credit_memo(customer, "SCM002001", "2025-01-20", "200.00")
    content = make_zip(
        [
            ("documents.csv", response.content),
            ("SI0001001.pdf", pdf("invoice")),
            ("credit-memos/SCM002001.pdf", pdf("credit memo")),
        ]
    )
    assert run(tenant_a, content)["detail"] == "2 documents: 2 stored, 0 replaced, 0 unchanged."
