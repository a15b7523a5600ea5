"""The credit list's Disputed (LCY) column: each customer's open queried entries, summed as the list is
read (no recalculation needed), linked to exactly those entries, sortable, and in the CSV export."""

import csv
import io
import re

import pytest

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create
from tests import factories


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    manager = make_member(tenant_a, Role.MANAGER, username="mona")
    with tenant_context(tenant_a):
        harbour = factories.customer(code="C100", name="Harbour Foods Ltd")
        kestrel = factories.customer(code="C200", name="Kestrel Motors")
        disputed = factories.invoice(harbour, "SI-1", "2026-01-10", "700.00")
        factories.invoice(harbour, "SI-2", "2026-01-11", "300.00")
        factories.invoice(kestrel, "SI-3", "2026-01-12", "50.00")
        recalculate_all(trigger="command")
        call = interaction_create(
            customer=harbour, description="Customer disputes SI-1", entry_ids=[disputed.pk]
        )
        entries_update(interaction=call, status_code=StatusCode.objects.get(code="DISPUTED"))
    return {"manager": manager, "harbour": harbour, "kestrel": kestrel}


def test_the_disputed_column_shows_links_and_sorts(book, client_for):
    client = client_for(book["manager"])
    html = client.get("/t/alpha/customers/credit/?controller=&sort=-disputed").content.decode()
    cells = re.findall(r'<td data-column="disputed" class="num">(.*?)</td>', html)
    assert len(cells) == 2
    assert cells[0] == (
        f'<a href="/t/alpha/ledger/?customer={book["harbour"].pk}&amp;open=true&amp;queried=true">700.00 GBP</a>'
    )
    assert cells[1].endswith(">0.00 GBP</a>")
    page = client.get(
        f"/t/alpha/ledger/?customer={book['harbour'].pk}&open=true&queried=true"
    ).content.decode()
    assert "SI-1" in page and "SI-2" not in page

    export = client.get("/t/alpha/customers/credit/export.csv?controller=")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["No."]: row["Disputed (LCY)"] for row in rows} == {"C100": "700.00", "C200": "0.00"}
