"""The three ways in: the page (upload, progress, result), the API, and `manage.py import_data`."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.imports.jobs import job_update
from ledger.models import LedgerEntry

CUSTOMERS = b"code,name\nC001,Acme Foods Ltd\nC002,Baker Ltd\n"
ENTRIES = b"external_id,customer,document_type,document_no,posting_date,amount\nINV-1,C001,invoice,SI1,2025-01-15,100.00\n"
BAD_ENTRIES = (
    b"external_id,customer,document_type,document_no,posting_date,amount\n"
    b"INV-1,C001,invoice,SI1,2025-01-15,100.00\n"
    b"INV-2,C404,invoice,SI2,2025-01-15,100.00\n"
)


def count(tenant, model):
    with tenant_context(tenant):
        return model.objects.count()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- API ---------------------------------------------------------------------------------------


def test_api_imports_a_multipart_file_and_a_csv_body(tenant_a, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.MANAGER))
    response = api.post(
        "/api/t/alpha/import/customers/", {"file": SimpleUploadedFile("c.csv", CUSTOMERS)}, format="multipart"
    )
    assert response.status_code == 200, response.content
    assert response.json() | {"seconds": 0} == {
        "kind": "customers",
        "ok": True,
        "detail": "Imported 2 customers rows: 2 created, 0 updated, 0 unchanged.",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
        "truncated": False,
        "seconds": 0,
    }
    response = api.generic("POST", "/api/t/alpha/import/entries/", ENTRIES, content_type="text/csv")
    assert response.status_code == 200, response.content
    assert (response.json()["created"], count(tenant_a, LedgerEntry)) == (1, 1)
    again = api.generic("POST", "/api/t/alpha/import/entries/", ENTRIES, content_type="text/csv")
    assert (again.json()["created"], again.json()["unchanged"], count(tenant_a, LedgerEntry)) == (0, 1, 1)


def test_api_answers_400_with_every_error_and_writes_nothing(tenant_a, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.ADMIN))
    api.generic("POST", "/api/t/alpha/import/customers/", CUSTOMERS, content_type="text/csv")
    response = api.generic("POST", "/api/t/alpha/import/entries/", BAD_ENTRIES, content_type="text/csv")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The file has 1 error: nothing was imported.",
        "code": "import_invalid",
        "errors": [{"row": 3, "column": "customer", "message": "Unknown customer 'C404'."}],
    }
    assert count(tenant_a, LedgerEntry) == 0
    binary = api.generic(
        "POST", "/api/t/alpha/import/entries/", b"\xff\xfe\x00garbage", content_type="text/csv"
    )
    assert binary.status_code == 400
    empty = api.post("/api/t/alpha/import/entries/", {}, format="multipart")
    assert empty.status_code == 400
    assert (
        empty.json()["detail"]
        == "Send the CSV file as a multipart field named 'file', or as a text/csv body."
    )
    assert (
        api.generic("POST", "/api/t/alpha/import/invoices/", ENTRIES, content_type="text/csv").status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTROLLER])
def test_api_import_needs_a_manager(tenant_a, make_member, api_for, role):
    api = api_for(make_member(tenant_a, role))
    response = api.generic("POST", "/api/t/alpha/import/customers/", CUSTOMERS, content_type="text/csv")
    assert response.status_code == 403
    assert count(tenant_a, Customer) == 0


def test_api_of_another_tenant_is_a_404(tenant_a, tenant_b, make_member, api_for):
    api = api_for(make_member(tenant_b, Role.ADMIN))
    response = api.generic("POST", "/api/t/alpha/import/customers/", CUSTOMERS, content_type="text/csv")
    assert response.status_code == 404
    assert count(tenant_a, Customer) == 0
    # Their own tenant works and stays their own.
    own = api.generic("POST", "/api/t/beta/import/customers/", CUSTOMERS, content_type="text/csv")
    assert own.status_code == 200
    assert (count(tenant_a, Customer), count(tenant_b, Customer)) == (0, 2)


# --- page --------------------------------------------------------------------------------------


def test_page_upload_runs_the_job_and_shows_the_result(
    tenant_a, make_member, client_for, django_capture_on_commit_callbacks
):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    page = client.get("/t/alpha/ledger/import/")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/ledger/import/",
            {"kind": "customers", "file": SimpleUploadedFile("cust.csv", CUSTOMERS)},
        )
    assert response.status_code == 302
    job_url = response["Location"]
    assert job_url.startswith("/t/alpha/ledger/import/")
    job = client.get(job_url)
    assert job.status_code == 200
    assert "Imported 2 customers rows: 2 created, 0 updated, 0 unchanged." in job.content.decode()
    assert b'hx-trigger="every 1s"' not in job.content  # finished: no more polling
    assert count(tenant_a, Customer) == 2
    fragment = client.get(job_url + "progress/")
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content


def test_page_shows_the_error_table(tenant_a, make_member, client_for, django_capture_on_commit_callbacks):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/t/alpha/ledger/import/", {"kind": "customers", "file": SimpleUploadedFile("c.csv", CUSTOMERS)}
        )
        response = client.post(
            "/t/alpha/ledger/import/", {"kind": "entries", "file": SimpleUploadedFile("e.csv", BAD_ENTRIES)}
        )
    html = client.get(response["Location"]).content.decode()
    assert "The file has 1 error: nothing was imported." in html
    assert "<td>3</td><td>customer</td><td>Unknown customer &#x27;C404&#x27;.</td>" in html
    assert count(tenant_a, LedgerEntry) == 0


def test_progress_fragment_polls_while_running(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    job_id = str(uuid.uuid4())
    job_update(
        tenant_id=tenant_a.pk,
        job_id=job_id,
        status="running",
        kind="entries",
        file_name="big.csv",
        phase="checking rows",
        percent=42,
        rows_done=420_000,
        rows_total=1_000_000,
        result=None,
    )
    html = client.get(f"/t/alpha/ledger/import/{job_id}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert f'hx-get="/t/alpha/ledger/import/{job_id}/progress/"' in html
    assert "42% · checking rows · 420,000 of 1,000,000 rows" in html
    assert 'aria-valuenow="42"' in html


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CONTROLLER])
def test_page_needs_a_manager(tenant_a, make_member, client_for, role):
    client = client_for(make_member(tenant_a, role))
    assert client.get("/t/alpha/ledger/import/").status_code == 403
    response = client.post(
        "/t/alpha/ledger/import/", {"kind": "customers", "file": SimpleUploadedFile("c.csv", CUSTOMERS)}
    )
    assert response.status_code == 403
    assert count(tenant_a, Customer) == 0


def test_page_and_jobs_of_another_tenant_are_404(tenant_a, tenant_b, make_member, client_for):
    job_id = str(uuid.uuid4())
    job_update(
        tenant_id=tenant_a.pk,
        job_id=job_id,
        status="done",
        kind="customers",
        file_name="a.csv",
        phase="done",
        percent=100,
        rows_done=2,
        rows_total=2,
        result={"ok": True, "detail": "secret"},
    )
    client = client_for(make_member(tenant_b, Role.ADMIN))
    assert client.get("/t/alpha/ledger/import/").status_code == 404
    assert client.get(f"/t/alpha/ledger/import/{job_id}/").status_code == 404
    response = client.post(
        "/t/alpha/ledger/import/", {"kind": "customers", "file": SimpleUploadedFile("c.csv", CUSTOMERS)}
    )
    assert response.status_code == 404
    # Tenant A's job id under tenant B's own URL is not found either.
    assert client.get(f"/t/beta/ledger/import/{job_id}/").status_code == 404
    assert client.get(f"/t/beta/ledger/import/{job_id}/progress/").status_code == 404
    assert count(tenant_a, Customer) == 0


# --- management command ------------------------------------------------------------------------


def test_command_imports_with_progress(tenant_a, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(CUSTOMERS)
    out = io.StringIO()
    call_command("import_data", "--tenant", "alpha", "customers", str(path), stdout=out)
    assert "100%" in out.getvalue()
    assert "Imported 2 customers rows: 2 created, 0 updated, 0 unchanged." in out.getvalue()
    assert count(tenant_a, Customer) == 2


def test_command_reports_errors_and_fails(tenant_a, tmp_path):
    call_command_path = tmp_path / "entries.csv"
    call_command_path.write_bytes(BAD_ENTRIES)
    err = io.StringIO()
    with pytest.raises(CommandError, match="The file has 2 errors: nothing was imported."):
        call_command(
            "import_data",
            "--tenant",
            "alpha",
            "entries",
            str(call_command_path),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "row 2, column customer: Unknown customer 'C001'.",
        "row 3, column customer: Unknown customer 'C404'.",
    ]
    with pytest.raises(CommandError, match="No tenant with slug 'nope'."):
        call_command("import_data", "--tenant", "nope", "entries", str(call_command_path))
    assert count(tenant_a, LedgerEntry) == 0
