"""The import formats in the application: a page with each file's columns (the loader's own) and a sample
file of each kind that imports as it is, in order, into a new company."""

import io
import re

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.imports.formats import FORMATS
from ledger.imports.guide import guides
from ledger.imports.loader import import_csv
from ledger.models import LedgerEntry


def test_the_guide_lists_the_loaders_columns():
    for guide in guides():
        fmt = FORMATS[guide.kind]
        assert [c.name for c in guide.columns] == [*fmt.required, *fmt.optional], guide.kind
        assert [c.name for c in guide.columns if c.required] == list(fmt.required), guide.kind
        header = guide.sample.splitlines()[0].split(",")
        assert sorted(header) == sorted(c.name for c in guide.columns), guide.kind


def test_the_import_page_links_to_the_formats_page_not_to_the_code(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, Role.MANAGER))
    html = client.get("/t/alpha/ledger/import/").content.decode()
    assert "docs/import-formats.md" not in html
    assert 'href="/t/alpha/ledger/import/formats/" id="import-formats-link">The import formats</a>' in html
    html = client.get("/t/alpha/ledger/import/formats/").content.decode()
    assert re.findall(r'id="format-(\w+)"', html) == ["customers", "entries", "applications", "documents"]
    rows = re.findall(
        r"<tr><td><code>(\w+)</code></td><td>(\w*)</td>",
        re.search(r'id="columns-applications".*?</table>', html, re.S).group(0),
    )
    assert rows == [
        ("external_id", "Required"),
        ("applying_entry", "Required"),
        ("applied_entry", "Required"),
        ("amount", "Required"),
        ("posting_date", "Required"),
    ]
    assert 'href="/t/alpha/ledger/import/formats/sample-entries.csv" download' in html


def test_every_sample_file_downloads_and_imports_as_it_is(tenant_a, make_member, client_for):
    client = client_for(make_member(tenant_a, Role.VIEWER))  # reading the formats needs no role
    files = {}
    for kind in ("customers", "entries", "applications"):
        response = client.get(f"/t/alpha/ledger/import/formats/sample-{kind}.csv")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == f'attachment; filename="sample-{kind}.csv"'
        files[kind] = response.content
    assert client.get("/t/alpha/ledger/import/formats/sample-other.csv").status_code == 404
    with tenant_context(tenant_a):
        for kind, content in files.items():
            result = import_csv(kind=kind, source=io.BytesIO(content))
            assert (result.errors, result.created) == (
                [],
                {"customers": 2, "entries": 4, "applications": 2}[kind],
            )
        assert list(Customer.objects.order_by("code").values_list("code", "city")) == [
            ("C001", "London"),
            ("C002", "Leeds"),
        ]
        invoice = LedgerEntry.objects.get(external_id="INV-1001")
        assert (invoice.is_open, str(invoice.remaining_amount)) == (False, "0.00")
