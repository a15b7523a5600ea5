"""A feed: customers, entries and applications imported in one transaction, all of them or none, each new
entry written once with what the feed's applications leave on it, and the same ledger as three imports."""

import datetime
import io
import textwrap
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from aging.models import CustomerStatistics
from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.imports import import_csv
from ledger.imports.loader import import_feed
from ledger.models import Application, LedgerEntry

from .helpers import counts

CUSTOMERS = """\
    code,name,currency
    F001,Feed Ltd,
    F002,Feed GmbH,EUR
"""
ENTRIES = """\
    external_id,customer,document_type,document_no,posting_date,due_date,amount,amount_lcy
    OLD-1,F001,invoice,SI0,2025-01-02,2025-02-01,80.00,
    INV-1,F001,invoice,SI1,2025-01-10,2025-02-09,1000.00,
    INV-2,F001,invoice,SI2,2025-01-20,2025-02-19,300.00,
    PAY-1,F001,payment,P1,2025-02-01,,-1100.00,
    CM-1,F001,credit_memo,CM1,2025-02-05,,-250.00,
    INV-E,F002,invoice,SIE,2025-01-10,2025-02-09,100.00,85.50
    PAY-E,F002,payment,PE,2025-01-11,,-100.00,-86.00
"""
APPLICATIONS = """\
    external_id,applying_entry,applied_entry,amount,posting_date
    APP-1,PAY-1,INV-1,1000.00,2025-02-01
    APP-2,PAY-1,INV-2,100.00,2025-02-03
    APP-3,CM-1,INV-2,150.00,2025-02-06
    APP-4,PAY-E,INV-E,40.00,2025-01-12
    APP-5,CM-1,OLD-1,80.00,2025-02-07
"""


def _file(text: str) -> io.BytesIO:
    return io.BytesIO(textwrap.dedent(text).encode())


def _feed(**texts):
    return import_feed({kind: _file(text) for kind, text in texts.items()})


def _ledger() -> dict:
    """Every entry's figures that the applications decide, by external id."""
    return {
        e.external_id: (
            e.remaining_amount,
            e.remaining_amount_lcy,
            e.is_open,
            e.closed_at,
            e.settled_by_payment,
        )
        for e in LedgerEntry.objects.all()
    }


def _entries_without(text: str, external_id: str) -> str:
    return "\n".join(line for line in textwrap.dedent(text).splitlines() if not line.startswith(external_id))


def test_a_feed_gives_the_ledger_of_its_files_imported_one_by_one(in_tenant):
    """OLD-1 is already in the ledger when the feed comes (its applications update it); the rest are new."""
    assert _feed(customers=CUSTOMERS).ok
    assert import_csv(kind="entries", source=_file("\n".join(textwrap.dedent(ENTRIES).splitlines()[:2]))).ok

    result = _feed(applications=APPLICATIONS, entries=_entries_without(ENTRIES, "OLD-1"))

    assert result.errors == []
    assert result.kind == "entries+applications"
    assert result.parts == {
        "entries": {"rows": 6, "created": 6, "updated": 0, "unchanged": 0},
        "applications": {"rows": 5, "created": 5, "updated": 0, "unchanged": 0},
    }
    assert (result.rows, result.created, result.updated, result.unchanged) == (11, 11, 0, 0)
    assert result.message == (
        "Imported 6 entries rows: 6 created, 0 updated, 0 unchanged; "
        "5 applications rows: 5 created, 0 updated, 0 unchanged."
    )
    fed = _ledger()
    assert fed["INV-1"] == (Decimal("0.00"), Decimal("0.00"), False, datetime.date(2025, 2, 1), True)
    assert fed["INV-2"] == (Decimal("50.00"), Decimal("50.00"), True, None, True)
    assert fed["CM-1"] == (Decimal("-20.00"), Decimal("-20.00"), True, None, False)
    assert fed["INV-E"] == (Decimal("60.00"), Decimal("51.30"), True, None, True)
    assert fed["OLD-1"] == (Decimal("0.00"), Decimal("0.00"), False, datetime.date(2025, 2, 7), False)

    Application.objects.all().delete()
    LedgerEntry.objects.all().delete()
    for kind, text in (("entries", ENTRIES), ("applications", APPLICATIONS)):
        assert import_csv(kind=kind, source=_file(text)).ok
    assert _ledger() == fed


def test_new_entries_are_written_once(in_tenant):
    """No entry inserted by the feed gets a second row version: PostgreSQL counts no update on the table."""
    assert _feed(customers=CUSTOMERS).ok
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('ledger_ledgerentry'::regclass)")
        before = cursor.fetchone()[0]
        result = _feed(
            entries=_entries_without(ENTRIES, "OLD-1"), applications=_entries_without(APPLICATIONS, "APP-5")
        )
        assert result.ok, result.errors
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('ledger_ledgerentry'::regclass)")
        assert cursor.fetchone()[0] == before
    assert LedgerEntry.objects.get(external_id="PAY-1").is_open is False


def test_entries_may_name_the_feeds_new_customers_and_the_change_marks_them_stale(in_tenant):
    result = _feed(customers=CUSTOMERS, entries=ENTRIES, applications=APPLICATIONS)
    assert result.errors == []
    assert counts() == {"customers": 2, "entries": 7, "applications": 5, "credit_limit_changes": 0}
    stale = CustomerStatistics.objects.filter(ledger_version__gt=F("calculated_version"))
    stale = set(stale.values_list("customer__code", flat=True))
    assert stale == {"F001", "F002"}
    again = _feed(customers=CUSTOMERS, entries=ENTRIES, applications=APPLICATIONS)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 14)


def test_a_bad_application_rolls_back_the_whole_feed_with_its_file_named(in_tenant):
    bad = APPLICATIONS + "    APP-6,PAY-1,INV-2,500.00,2025-02-08\n"
    result = _feed(customers=CUSTOMERS, entries=ENTRIES, applications=bad)
    assert result.errors == [
        {
            "file": "applications",
            "row": 7,
            "column": "amount",
            "message": f"Over-application: applying 500.00 brings the total applied to entry '{entry}' "
            f"to {total}, more than its amount of {amount}.",
        }
        for entry, total, amount in (("INV-2", "750.00", "300.00"), ("PAY-1", "1600.00", "1100.00"))
    ]
    assert result.message == "The files have 2 errors: nothing was imported."
    assert result.parts["entries"]["created"] == 0
    assert counts() == {"customers": 0, "entries": 0, "applications": 0, "credit_limit_changes": 0}


def test_row_errors_of_every_file_are_listed_in_feed_order(in_tenant):
    result = _feed(
        applications=APPLICATIONS.replace("2025-01-12", "2025-13-45"),
        entries=ENTRIES.replace("1000.00,", "1000,00,"),
        customers=CUSTOMERS,
    )
    assert [(e["file"], e["row"], e["column"]) for e in result.errors] == [
        ("entries", 3, ""),
        ("applications", 5, "posting_date"),
    ]
    assert not Customer.objects.exists()


def test_a_feed_names_only_known_kinds(in_tenant):
    with pytest.raises(ValueError, match="Import kinds are customers, entries, applications; got invoices"):
        import_feed({"invoices": _file("x\n")})


# --- the ways in: page, API, command -------------------------------------------------------------------


@pytest.fixture
def manager_of_alpha(tenant_a, make_member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with tenant_context(tenant_a):
        assert _feed(customers=CUSTOMERS).ok
    return make_member(tenant_a, Role.MANAGER)


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, textwrap.dedent(text).encode())


def test_page_imports_entries_with_their_applications_as_one_job(
    tenant_a, manager_of_alpha, client_for, django_capture_on_commit_callbacks
):
    client = client_for(manager_of_alpha)
    bad = APPLICATIONS + "    APP-6,PAY-1,INV-X,5.00,2025-02-08\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/ledger/import/",
            {"kind": "entries", "file": _upload("e.csv", ENTRIES), "applications": _upload("a.csv", bad)},
        )
    html = client.get(response["Location"]).content.decode()
    assert "Import of e.csv and a.csv" in html
    assert "The files have 1 error: nothing was imported." in html
    assert (
        "<tr><td>applications</td><td>7</td><td>applied_entry</td>"
        "<td>No ledger entry with external id &#x27;INV-X&#x27;.</td></tr>"
    ) in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/t/alpha/ledger/import/",
            {
                "kind": "entries",
                "file": _upload("e.csv", ENTRIES),
                "applications": _upload("a.csv", APPLICATIONS),
            },
        )
    html = client.get(response["Location"]).content.decode()
    assert (
        "Imported 7 entries rows: 7 created, 0 updated, 0 unchanged; "
        "5 applications rows: 5 created, 0 updated, 0 unchanged."
    ) in html
    with tenant_context(tenant_a):
        assert (LedgerEntry.objects.count(), Application.objects.count()) == (7, 5)


def test_page_refuses_applications_with_customers(tenant_a, manager_of_alpha, client_for):
    response = client_for(manager_of_alpha).post(
        "/t/alpha/ledger/import/",
        {
            "kind": "customers",
            "file": _upload("c.csv", CUSTOMERS),
            "applications": _upload("a.csv", APPLICATIONS),
        },
    )
    assert response.status_code == 400
    assert "Applications can come with a file of ledger entries only." in response.content.decode()


def test_api_takes_entries_with_their_applications(tenant_a, manager_of_alpha, api_for):
    api = api_for(manager_of_alpha)
    response = api.post(
        "/api/t/alpha/import/entries/",
        {"file": _upload("e.csv", ENTRIES), "applications": _upload("a.csv", APPLICATIONS)},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["created"], body["files"]["applications"]["created"]) == (
        "entries+applications",
        12,
        5,
    )
    refused = api.post(
        "/api/t/alpha/import/customers/",
        {"file": _upload("c.csv", CUSTOMERS), "applications": _upload("a.csv", APPLICATIONS)},
        format="multipart",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Applications can come with a file of ledger entries only."


def test_command_takes_entries_with_their_applications(tenant_a, manager_of_alpha, tmp_path):
    entries, applications = tmp_path / "e.csv", tmp_path / "a.csv"
    entries.write_text(textwrap.dedent(ENTRIES))
    applications.write_text(textwrap.dedent(APPLICATIONS).replace("INV-E,40.00", "INV-E,400.00"))
    err = io.StringIO()
    with pytest.raises(CommandError, match="The files have 2 errors: nothing was imported."):
        call_command(
            "import_data",
            "--tenant",
            "alpha",
            "entries",
            str(entries),
            "--applications",
            str(applications),
            stderr=err,
            verbosity=0,
        )
    assert err.getvalue() == (
        "applications row 5, column amount: Over-application: applying 400.00 brings the total applied to "
        "entry 'INV-E' to 400.00, more than its amount of 100.00.\n"
        "applications row 5, column amount: Over-application: applying 400.00 brings the total applied to "
        "entry 'PAY-E' to 400.00, more than its amount of 100.00.\n"
    )
    applications.write_text(textwrap.dedent(APPLICATIONS))
    out = io.StringIO()
    call_command(
        "import_data",
        "--tenant",
        "alpha",
        "entries",
        str(entries),
        "--applications",
        str(applications),
        stdout=out,
        verbosity=0,
    )
    assert out.getvalue().startswith(
        "Imported 7 entries rows: 7 created, 0 updated, 0 unchanged; 5 applications"
    )
