"""One branch context, every page: with Leeds chosen, a customer trading through London and Leeds shows
its Leeds figures on the dashboard, credit list, balance due report and ledger; its to-dos and promises
are listed, another branch's customer's are not; clearing brings the company figures back. The dashboard
is shaped by role: a controller's shows their customers (a switch shows everyone's, unless the tenant
keeps controllers to their own), a manager's compares the controllers side by side.

The figures are worked out in helpers.py."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count

from aging import selectors
from creditcontrol.models import Tenant
from creditcontrol.tenancy import tenant_context
from customers.models import Branch
from ledger.models import LedgerEntry

from .helpers import multi_branch_book

BASE = "/t/alpha"


@pytest.fixture
def book(tenant_a, make_member):
    return multi_branch_book(tenant_a, make_member)


def _figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def _row(html: str, code: str) -> str:
    """The table row that names the customer `code` (as a link or a cell)."""
    match = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*>{code}<(?:(?!</tr>).)*</tr>", html, re.S)
    return match.group(0) if match else ""


def _choose(client, branch) -> None:
    answer = client.post(f"{BASE}/branch/", {"branch": str(branch.pk), "next": f"{BASE}/"})
    assert answer.status_code == 302


def test_with_leeds_chosen_every_page_shows_the_leeds_figures(tenant_a, book, client_for):
    client = client_for(book["manager"])
    _choose(client, book["leeds"])

    dashboard = client.get(f"{BASE}/").content.decode()
    assert "Branch: <strong" in dashboard and "showing this branch only" in dashboard
    assert (_figure(dashboard, "balance"), _figure(dashboard, "overdue")) == ("650.00 GBP", "400.00 GBP")
    assert (_figure(dashboard, "dso"), _figure(dashboard, "best-dso")) == ("90.00", "34.62")
    with tenant_context(tenant_a):
        cei = selectors.tenant_kpis(as_of=tenant_a.today(), branch_id=book["leeds"].pk)["cei_month_to_date"]
    assert _figure(dashboard, "cei") == (str(cei) if cei is not None else "—")
    top = re.search(r'id="top-overdue".*?</table>', dashboard, re.S).group(0)
    assert "650.00" in _row(top, "MULTI") and "400.00" in _row(top, "MULTI")
    assert "LONDONER" not in top
    promises_due = re.search(r'id="promises-due".*?</ul>', dashboard, re.S).group(0)
    assert "MULTI" in promises_due and "120.00" in promises_due and "LONDONER" not in promises_due
    my_todos = re.search(r'id="my-todos".*?</ul>', dashboard, re.S).group(0)
    assert "Call Multi" in my_todos and "Call Londoner" not in my_todos
    assert "(whole company)" in dashboard  # the trend charts are not the branch's, and say so

    credit = client.get(f"{BASE}/customers/credit/?controller=").content.decode()
    assert "650.00" in _row(credit, "MULTI") and "1,650.00" not in credit
    assert "LONDONER" not in credit

    report = client.get(f"{BASE}/customers/balance-due/").content.decode()
    assert "650.00" in _row(report, "MULTI") and "1,650.00" not in report
    assert "LONDONER" not in report
    assert "whole balance" in report  # the status filter and order are not the branch's: said on the bar

    ledger = client.get(f"{BASE}/ledger/").content.decode()
    assert "LDS-INV-1" in ledger and "LDS-INV-2" in ledger
    assert "LON-INV-1" not in ledger and "LON-INV-2" not in ledger

    customers = client.get(f"{BASE}/customers/").content.decode()
    assert "MULTI" in customers and "LONDONER" not in customers

    todos = client.get(f"{BASE}/interactions/todos/?owner=all").content.decode()
    assert "Chase Multi" in todos and "Call Multi" in todos
    assert "Londoner" not in todos
    promises = client.get(f"{BASE}/interactions/promises/").content.decode()
    assert "130.00" not in promises and "120.00" in promises

    card = client.get(f"{BASE}/customers/{book['multi'].pk}/").content.decode()
    assert "this page is not cut by branch" in card  # what cannot be cut says so


def test_clearing_the_branch_restores_the_company_figures(tenant_a, book, client_for):
    client = client_for(book["manager"])
    _choose(client, book["leeds"])
    answer = client.post(
        f"{BASE}/branch/", {"branch": "", "next": f"{BASE}/ledger/?branch={book['leeds'].pk}"}
    )
    assert answer.status_code == 302 and answer["Location"] == f"{BASE}/ledger/"

    dashboard = client.get(f"{BASE}/").content.decode()
    assert "Branch: <strong" not in dashboard
    assert (_figure(dashboard, "balance"), _figure(dashboard, "overdue")) == ("1,950.00 GBP", "1,700.00 GBP")
    top = re.search(r'id="top-overdue".*?</table>', dashboard, re.S).group(0)
    assert "1,650.00" in _row(top, "MULTI") and "LONDONER" in top
    with tenant_context(tenant_a):
        kpis = selectors.tenant_kpis(as_of=tenant_a.today())
    assert (kpis["dso"], kpis["best_possible_dso"]) == (
        Decimal("184.74"),
        Decimal("23.68"),
    )  # 1,950 and 250 of 950 over 90 days

    credit = client.get(f"{BASE}/customers/credit/?controller=").content.decode()
    assert "1,650.00" in _row(credit, "MULTI") and "LONDONER" in credit
    report = client.get(f"{BASE}/customers/balance-due/").content.decode()
    assert "1,650.00" in _row(report, "MULTI") and "300.00" in _row(report, "LONDONER")
    ledger = client.get(f"{BASE}/ledger/").content.decode()
    assert all(no in ledger for no in ("LON-INV-1", "LON-INV-2", "LDS-INV-1", "LDS-INV-2"))
    todos = client.get(f"{BASE}/interactions/todos/?owner=all").content.decode()
    assert "Chase Londoner" in todos and "Chase Multi" in todos


def test_the_ledger_filter_can_still_name_another_branch(tenant_a, book, client_for):
    client = client_for(book["manager"])
    _choose(client, book["leeds"])
    ledger = client.get(f"{BASE}/ledger/?branch={book['london'].pk}").content.decode()
    assert "LON-INV-1" in ledger and "LDS-INV-1" not in ledger


def test_the_ledger_filter_set_to_any_shows_every_branch_despite_the_context(tenant_a, book, client_for):
    client = client_for(book["manager"])
    _choose(client, book["leeds"])
    ledger = client.get(f"{BASE}/ledger/?open=&branch=").content.decode()
    assert all(no in ledger for no in ("LON-INV-1", "LON-INV-2", "LDS-INV-1", "LDS-INV-2"))
    selected = re.search(r'<select name="branch"[^>]*>.*?</select>', ledger, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)" selected>', selected) == [""]  # "Any" stays chosen
    default = client.get(f"{BASE}/ledger/").content.decode()  # opened plain: the context is the default
    assert "LDS-INV-1" in default and "LON-INV-1" not in default


def test_a_branch_of_another_tenant_is_no_context(tenant_a, tenant_b, book, client_for):
    with tenant_context(tenant_b):
        foreign = Branch.objects.create(code="LDS", name="Leeds B")
    client = client_for(book["manager"])
    client.post(f"{BASE}/branch/", {"branch": str(foreign.pk)})
    dashboard = client.get(f"{BASE}/").content.decode()
    assert "Branch: <strong" not in dashboard and "Leeds B" not in dashboard
    assert _figure(dashboard, "balance") == "1,950.00 GBP"


def test_a_controllers_dashboard_shows_their_customers_and_a_switch_shows_everyone(book, client_for):
    client = client_for(book["carol"])
    mine = client.get(f"{BASE}/").content.decode()
    top = re.search(r'id="top-overdue".*?</table>', mine, re.S).group(0)
    assert "MULTI" in top and "LONDONER" not in top
    assert (_figure(mine, "balance"), _figure(mine, "overdue")) == ("1,650.00 GBP", "1,400.00 GBP")
    assert "Show every customer" in mine

    everyone = client.get(f"{BASE}/?customers=all").content.decode()
    top = re.search(r'id="top-overdue".*?</table>', everyone, re.S).group(0)
    assert "MULTI" in top and "LONDONER" in top
    assert _figure(everyone, "balance") == "1,950.00 GBP"
    assert 'id="controllers"' not in everyone  # the side-by-side table is the manager's


def test_no_switch_when_the_tenant_keeps_controllers_to_their_own_customers(
    tenant_a, make_member, client_for
):
    book = multi_branch_book(tenant_a, make_member, own_customers_only=True)
    client = client_for(book["carol"])
    page = client.get(f"{BASE}/?customers=all").content.decode()
    assert 'id="customers-switch"' not in page
    top = re.search(r'id="top-overdue".*?</table>', page, re.S).group(0)
    assert "MULTI" in top and "LONDONER" not in top


def test_a_managers_dashboard_shows_each_controller_side_by_side(book, client_for):
    page = client_for(book["manager"]).get(f"{BASE}/").content.decode()
    table = re.search(r'id="controllers".*?</table>', page, re.S).group(0)
    cells = {
        name: re.findall(
            r"<td[^>]*>([^<]*)</td>", re.search(rf'data-controller="{name}">.*?</tr>', table, re.S).group(0)
        )
        for name in ("carol", "dave")
    }
    # overdue, customers overdue, open to-dos, overdue to-dos, promises kept, broken, kept rate
    assert cells["carol"][1:] == ["1,400.00 GBP", "1", "1", "1", "1", "1", "50.0%"]
    assert cells["dave"][1:] == ["300.00 GBP", "1", "1", "0", "0", "0", "—"]


def test_the_managers_table_in_a_branch_context_counts_that_branchs_overdue(book, client_for):
    client = client_for(book["manager"])
    _choose(client, book["leeds"])
    table = re.search(r'id="controllers".*?</table>', client.get(f"{BASE}/").content.decode(), re.S).group(0)
    carol = re.findall(
        r"<td[^>]*>([^<]*)</td>", re.search(r'data-controller="carol">.*?</tr>', table, re.S).group(0)
    )
    dave = re.findall(
        r"<td[^>]*>([^<]*)</td>", re.search(r'data-controller="dave">.*?</tr>', table, re.S).group(0)
    )
    assert carol[1:5] == ["400.00 GBP", "1", "1", "1"]
    assert dave[1:5] == ["0.00 GBP", "0", "0", "0"]


def test_the_demo_data_has_customers_trading_through_several_branches(transactional_db):
    call_command("seed_demo", customers=30, entries=400, tenant="northwind", no_recalculate=True)
    with tenant_context(Tenant.objects.get(slug="northwind")):
        spread = dict(
            LedgerEntry.objects.values("customer_id")
            .annotate(branches=Count("branch_id", distinct=True))
            .filter(branches__gt=1)
            .values_list("customer_id", "branches")
        )
    assert len(spread) >= 2 and set(spread.values()) <= {2, 3}
