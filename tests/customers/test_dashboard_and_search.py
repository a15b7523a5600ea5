"""The dashboard (whole tenant and in a branch context) and the global search."""

import re

import pytest
from django.utils import timezone

from aging.services import recalculate_all
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context
from tests import factories


def ago(tenant, days):
    return (tenant.today() - timezone.timedelta(days=days)).isoformat()


@pytest.fixture
def board(tenant_a, make_member, client):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        london, leeds = factories.branch("LON", "London"), factories.branch("LDS", "Leeds")
        c1 = factories.customer(code="C1", name="Crown Fabrics", branch=london)
        c2 = factories.customer(code="C2", name="Delta Motors", branch=leeds)
        factories.invoice(c1, "SI-100", ago(tenant_a, 75), "400.00")  # 45 days overdue, London
        factories.invoice(c1, "SI-101", ago(tenant_a, 10), "100.00", branch=leeds)  # not due, booked in Leeds
        factories.invoice(c2, "SI-200", ago(tenant_a, 40), "250.00")  # 10 days overdue, Leeds
        factories.invoice(c2, "SI-201", ago(tenant_a, 5), "60.00", branch=london)  # not due, booked in London
        recalculate_all(trigger="command")
    client.force_login(make_member(tenant_a, Role.MANAGER))
    return {"client": client, "london": london, "leeds": leeds, "c1": c1}


def figure(html, name):
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def test_dashboard_whole_tenant(board):
    html = board["client"].get("/t/alpha/").content.decode()
    assert (figure(html, "balance"), figure(html, "overdue"), figure(html, "overdue-customers")) == (
        "810.00 GBP",
        "650.00 GBP",
        "2",
    )
    assert re.findall(r'id="top-overdue".*?</table>', html, re.S)[0].count("<tr><td><a") == 2
    assert 'aria-label="Aging of the balance"' in html


def test_branch_context_restricts_every_figure(board):
    client = board["client"]
    html = client.get(f"/t/alpha/?branch={board['leeds'].pk}").content.decode()
    assert (figure(html, "balance"), figure(html, "overdue"), figure(html, "overdue-customers")) == (
        "350.00 GBP",
        "250.00 GBP",
        "1",
    )
    # the context sticks for the credit list: Leeds' customers and those with entries booked in Leeds (C1,
    # a London customer, trades there too), with figures from Leeds' entries only
    html = client.get("/t/alpha/customers/credit/?controller=").content.decode()
    cells = re.findall(
        r'data-column="code"[^>]*>\s*<a [^>]*>(\w+)</a>.*?data-column="balance"[^>]*>\s*<a [^>]*>([\d,.]+ GBP)</a>',
        html,
        re.S,
    )
    assert cells == [("C1", "100.00 GBP"), ("C2", "250.00 GBP")]
    client.get("/t/alpha/?branch=")
    html = client.get("/t/alpha/").content.decode()
    assert figure(html, "balance") == "810.00 GBP"


def test_search_finds_customers_and_documents(board):
    client = board["client"]
    response = client.get("/t/alpha/customers/search/?q=crown")
    assert response.status_code == 302 and response["Location"] == f"/t/alpha/customers/{board['c1'].pk}/"
    html = client.get("/t/alpha/customers/search/?q=SI-200").content.decode()
    assert (
        "SI-200" in html
        and "Delta Motors" not in re.findall(r'id="search-customers".*?</table>', html, re.S)[0]
    )
