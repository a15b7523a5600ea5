"""The credit list: a controller's own customers first, sort by any column, every figure a link to
exactly its entries, columns chosen per user, CSV export, fact boxes, recalculate actions by role."""

import csv
import io
import re

import pytest
from django.utils import timezone

from aging.services import recalculate_all
from creditcontrol.models import Membership, Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories


def days_ago(tenant, n):
    return (tenant.today() - timezone.timedelta(days=n)).isoformat()


@pytest.fixture
def book(tenant_a, make_member, client):
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    dave = make_member(tenant_a, Role.CONTROLLER, username="dave")
    t = tenant_a
    tenant_initialise(t)  # the default bands: Not due, 1-30, 31-60, 61-90, over 90
    with tenant_context(t):
        terms = factories.customer(code="TMP", name="tmp").payment_terms
        mine = factories.customer(code="C1", name="Crown Fabrics", controller=carol, payment_terms=terms)
        other = factories.customer(code="C2", name="Delta Motors", controller=dave, payment_terms=terms)
        # due = posting + 30: due 45 days ago (31-60 band), due 10 days ago (1-30), due in 20 days (not due)
        factories.invoice(mine, "A1", days_ago(t, 75), "400.00")
        factories.invoice(mine, "A2", days_ago(t, 40), "250.00")
        factories.invoice(mine, "A3", days_ago(t, 10), "100.00")
        factories.invoice(other, "B1", days_ago(t, 130), "900.00")  # 100 days overdue: over 90
        recalculate_all(trigger="command")
    return {"carol": carol, "dave": dave, "mine": mine, "other": other, "client": client, "tenant": t}


def codes(html):
    return re.findall(r'data-column="code"[^>]*>\s*<a [^>]*>(\w+)</a>', html)


def test_controller_starts_on_own_customers_and_clearing_the_filter_adds_the_unassigned(book):
    """By default a controller works only their own customers (and those assigned to nobody)."""
    client = book["client"]
    client.force_login(book["carol"])
    assert codes(client.get("/t/alpha/customers/credit/").content.decode()) == ["C1"]
    cleared = client.get("/t/alpha/customers/credit/?controller=&sort=-overdue").content.decode()
    assert codes(cleared) == ["C1", "TMP"]
    assert (
        codes(client.get(f"/t/alpha/customers/credit/?controller={book['dave'].pk}").content.decode()) == []
    )


def test_controller_can_see_all_when_the_tenant_opens_the_list(book):
    book["tenant"].controllers_own_customers_only = False
    book["tenant"].save()
    client = book["client"]
    client.force_login(book["carol"])
    assert codes(client.get("/t/alpha/customers/credit/").content.decode()) == ["C1"]
    everyone = client.get("/t/alpha/customers/credit/?controller=&sort=-overdue").content.decode()
    assert codes(everyone) == ["C2", "C1", "TMP"]
    assert codes(client.get("/t/alpha/customers/credit/?controller=&sort=code").content.decode()) == [
        "C1",
        "C2",
        "TMP",
    ]


def test_every_band_figure_opens_exactly_its_entries(book):
    client = book["client"]
    client.force_login(book["carol"])
    html = client.get("/t/alpha/customers/credit/").content.decode()
    cells = dict(re.findall(r'data-column="(band_\d|overdue|balance)"[^>]*>\s*<a href="([^"]+)"', html))
    expected = {
        "band_1": ["A3"],
        "band_2": ["A2"],
        "band_3": ["A1"],
        "overdue": ["A1", "A2"],
        "balance": ["A1", "A2", "A3"],
    }
    for key, documents in expected.items():
        page = client.get(cells[key].replace("&amp;", "&")).content.decode()
        assert re.findall(r"<td>(A\d)</td>", page) == documents, key
    figures = dict(
        re.findall(r'data-column="(band_\d|overdue|balance)"[^>]*>\s*<a [^>]*>([\d,.]+) GBP</a>', html)
    )
    assert figures == {
        "balance": "750.00",
        "overdue": "650.00",
        "band_1": "100.00",
        "band_2": "250.00",
        "band_3": "400.00",
        "band_4": "0.00",
        "band_5": "0.00",
    }


def test_columns_are_chosen_and_ordered_per_user(book):
    client = book["client"]
    client.force_login(book["carol"])
    client.post(
        "/t/alpha/customers/credit/columns/",
        {"columns": ["overdue", "code"], "order_overdue": "2", "order_code": "1"},
    )
    membership = Membership.objects.get(user=book["carol"], tenant=book["tenant"])
    assert membership.preferences["credit_list_columns"] == ["code", "overdue"]
    html = client.get("/t/alpha/customers/credit/").content.decode()
    assert re.findall(r'data-sort="(\w+)"', html) == ["code", "overdue"]
    client.force_login(book["dave"])
    assert (
        len(re.findall(r'data-sort="(\w+)"', client.get("/t/alpha/customers/credit/").content.decode())) > 2
    )


def test_export_is_the_filtered_list(book):
    client = book["client"]
    client.force_login(book["dave"])
    response = client.get("/t/alpha/customers/credit/export.csv?controller=me")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["No.", "Name", "Payment terms", "Balance (LCY)"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("C2", "900.00")]


def test_export_neutralises_formulas_and_keeps_numbers(book):
    """A name a spreadsheet would run (`=HYPERLINK(...)`, `+SUM(1;2)`, `@cmd`, `-2+3`) is written as text
    with a leading apostrophe; a negative balance stays a number."""
    client = book["client"]
    client.force_login(book["dave"])
    with tenant_context(book["tenant"]):
        names = ['=HYPERLINK("http://evil.example","Click")', "+SUM(1;2)", "@cmd", "-2+3", "\tTab Ltd"]
        for n, name in enumerate(names):
            customer = factories.customer(code=f"F{n}", name=name, controller=book["dave"])
            factories.credit_memo(customer, f"CM{n}", days_ago(book["tenant"], 1), "12.50")
        recalculate_all(trigger="command")
    response = client.get("/t/alpha/customers/credit/export.csv?controller=me&sort=code")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    exported = {r[0]: (r[1], r[3]) for r in rows[1:]}
    assert [exported[f"F{n}"] for n in range(5)] == [
        ('\'=HYPERLINK("http://evil.example","Click")', "-12.50"),
        ("'+SUM(1;2)", "-12.50"),
        ("'@cmd", "-12.50"),
        ("'-2+3", "-12.50"),
        ("'\tTab Ltd", "-12.50"),
    ]


def test_factbox_shows_the_customer(book):
    client = book["client"]
    client.force_login(book["carol"])
    html = client.get(f"/t/alpha/customers/{book['mine'].pk}/factbox/").content.decode()
    assert "Crown Fabrics" in html and "750.00" in html


def test_recalculate_actions_follow_roles(book, make_member):
    client = book["client"]
    client.force_login(book["carol"])
    response = client.post("/t/alpha/customers/credit/recalculate/", {"scope": "all"})
    assert response.status_code == 403
    response = client.post(
        "/t/alpha/customers/credit/recalculate/", {"customers": [book["mine"].pk]}, follow=True
    )
    assert "Recalculating 1 customer." in response.content.decode()
    client.force_login(make_member(book["tenant"], Role.VIEWER, username="vic"))
    assert (
        client.post("/t/alpha/customers/credit/recalculate/", {"customers": [book["mine"].pk]}).status_code
        == 403
    )
