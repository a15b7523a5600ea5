"""The work date end to end: set from the top bar or the API; when the setup ages as of it, the credit list,
its CSV export and the statistics API show the same figures as of it for every customer, and the KPIs'
bands add up to their AR; the aging setup has an API checked like its page."""

import csv
import io
from decimal import Decimal

import pytest

from aging import selectors, services
from aging.figures import FIGURE_COLUMNS
from creditcontrol.models import Membership, Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context

from .helpers import days_ago, hand_worked_ledger

MONEY = [name for name in FIGURE_COLUMNS if name.endswith("_lcy")]


@pytest.fixture
def book(tenant_a, make_member):
    tenant_initialise(tenant_a)
    manager = make_member(tenant_a, Role.MANAGER, username="mona")
    with tenant_context(tenant_a):
        customers = hand_worked_ledger(tenant_a)
        services.recalculate_all(trigger="command")
        setup = services.aging_setup_get()
        setup.use_work_date = True
        setup.save()
    work_date = days_ago(tenant_a.today(), 20)
    Membership.objects.filter(user=manager, tenant=tenant_a).update(work_date=work_date)
    return {"manager": manager, "customers": customers, "work_date": work_date}


def _as_of_work_date(tenant, book) -> dict[str, dict]:
    """What the credit list page shows each customer: its figures read as of the work date."""
    with tenant_context(tenant):
        ids = {c.pk: code for code, c in ((c.code, c) for c in book["customers"].values())}
        figures = selectors.customer_figures(customer_ids=list(ids), as_of=book["work_date"])
    return {ids[pk]: row for pk, row in figures.items()}


def test_the_statistics_api_answers_as_of_the_work_date(tenant_a, book, api_for):
    expected = _as_of_work_date(tenant_a, book)
    answer = api_for(book["manager"]).get("/api/t/alpha/statistics/").json()["results"]
    assert {row["customer_code"] for row in answer} == set(expected)
    for row in answer:
        assert row["as_of_date"] == book["work_date"].isoformat()
        for name in MONEY:
            value = None if row[name] is None else Decimal(row[name])
            assert value == expected[row["customer_code"]][name], (row["customer_code"], name)
    c1 = next(row for row in answer if row["customer_code"] == "C1")
    assert (c1["balance_lcy"], c1["overdue_balance_lcy"], c1["not_due_lcy"]) == ("640.00", "150.00", "490.00")
    one = api_for(book["manager"]).get(f"/api/t/alpha/statistics/{book['customers']['c1'].pk}/").json()
    assert (one["as_of_date"], one["overdue_balance_lcy"]) == (book["work_date"].isoformat(), "150.00")


def test_the_credit_list_export_equals_the_page(tenant_a, book, client_for):
    client = client_for(book["manager"])
    expected = _as_of_work_date(tenant_a, book)
    response = client.get("/t/alpha/customers/credit/export.csv?controller=")
    assert response["Content-Disposition"].endswith(f'-{book["work_date"]:%Y-%m-%d}.csv"')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert {row["No."] for row in rows} == set(expected)
    for row in rows:
        assert Decimal(row["Balance (LCY)"].replace(",", "")) == expected[row["No."]]["balance_lcy"]
        assert (
            Decimal(row["Overdue balance (LCY)"].replace(",", ""))
            == expected[row["No."]]["overdue_balance_lcy"]
        )
    page = client.get("/t/alpha/customers/credit/?controller=").content.decode()
    assert f"Credit figures are as of your work date, <strong>{book['work_date']:%d/%m/%Y}</strong>" in page


def test_the_kpis_bands_add_up_to_their_ar(tenant_a, book, api_for):
    current = api_for(book["manager"]).get("/api/t/alpha/kpis/").json()["current"]
    assert current["date"] == book["work_date"].isoformat()
    bands = sum(Decimal(band["amount_lcy"]) for band in current["band_totals_lcy"])
    assert bands == Decimal(current["total_ar_lcy"])
    with tenant_context(tenant_a):
        ar, not_due = selectors.tenant_ar_as_of(as_of=book["work_date"])
    assert (Decimal(current["total_ar_lcy"]), Decimal(current["not_due_lcy"])) == (ar, not_due)
    assert Decimal(current["band_totals_lcy"][0]["amount_lcy"]) == not_due  # the first band: not due


def test_the_work_date_is_set_and_cleared_from_the_top_bar_and_the_api(tenant_a, book, client_for, api_for):
    client = client_for(book["manager"])
    back = "http://testserver/t/alpha/customers/credit/?balance_lcy__gte=10"
    response = client.post("/t/alpha/work-date/", {"work_date": "2026-10-31"}, HTTP_REFERER=back, follow=True)
    assert response.redirect_chain[0][0] == back
    assert "Work date set to 31/10/2026." in response.content.decode()
    assert Membership.objects.get(user=book["manager"]).work_date.isoformat() == "2026-10-31"

    outside = client.post("/t/alpha/work-date/", {"work_date": "2026-10-31", "next": "https://evil.example/"})
    assert outside["Location"] == "/t/alpha/"
    bad = client.post("/t/alpha/work-date/", {"work_date": "1800-01-01"}, follow=True).content.decode()
    assert "Work date: A work date must be within 3660 days of today" in bad
    cleared = client.post("/t/alpha/work-date/", {"clear": "1", "work_date": ""}, follow=True)
    assert "Work date cleared: you work as of today." in cleared.content.decode()
    assert Membership.objects.get(user=book["manager"]).work_date is None

    api = api_for(book["manager"])
    answer = api.put("/api/t/alpha/me/work-date/", {"work_date": "2026-11-02"}, format="json").json()
    assert answer == {"work_date": "2026-11-02", "used": True, "as_of_date": "2026-11-02"}
    refused = api.put("/api/t/alpha/me/work-date/", {"work_date": "2026-13-01"}, format="json")
    assert refused.status_code == 400 and "work_date" in refused.json()
    assert api.get("/api/t/alpha/me/work-date/").json()["work_date"] == "2026-11-02"


def test_the_aging_setup_api_is_an_admins_and_checked_like_the_page(tenant_a, book, make_member, api_for):
    assert api_for(book["manager"]).get("/api/t/alpha/aging/setup/").status_code == 403
    admin = api_for(make_member(tenant_a, Role.ADMIN, username="ada"))
    setup = admin.get("/api/t/alpha/aging/setup/").json()
    assert setup["use_work_date"] is True and setup["bands"][0]["from_days"] is None
    gap = {
        **setup,
        "basis": "posting_date",
        "bands": [{"label": "Not due", "to_days": 0}, {"label": "Late", "from_days": 2}],
    }
    refused = admin.put("/api/t/alpha/aging/setup/", gap, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "bands": ["Band 2: it leaves a gap after band 1 (which ends at 0); it must start at 1."]
    }
    assert admin.get("/api/t/alpha/aging/setup/").json()["basis"] == "due_date"  # nothing written
    good = {**gap, "bands": [{"label": "Not due", "to_days": 0}, {"label": "Late", "from_days": 1}]}
    saved = admin.put("/api/t/alpha/aging/setup/", good, format="json")
    assert saved.status_code == 200, saved.json()
    assert (saved.json()["basis"], [b["label"] for b in saved.json()["bands"]]) == (
        "posting_date",
        ["Not due", "Late"],
    )


def test_the_dashboard_ages_as_of_the_work_date(tenant_a, book, client_for):
    expected = _as_of_work_date(tenant_a, book)
    overdue = sum(row["overdue_balance_lcy"] for row in expected.values())
    balance = sum(row["balance_lcy"] for row in expected.values())
    html = client_for(book["manager"]).get("/t/alpha/").content.decode()
    assert f'data-figure="overdue">{overdue:,.2f} GBP<' in html
    assert f'data-figure="balance">{balance:,.2f} GBP<' in html
    with tenant_context(tenant_a):
        stored = selectors.tenant_totals()["total_overdue_lcy"]
    assert stored != overdue  # today's stored figure differs: the page did move with the work date


def test_the_card_and_fact_box_age_as_of_the_work_date(tenant_a, book, client_for):
    client = client_for(book["manager"])
    c1 = book["customers"]["c1"]
    card = client.get(f"/t/alpha/customers/{c1.pk}/").content.decode()
    assert 'data-figure="overdue">150.00 GBP<' in card  # 20 days ago only INV6 was past due
    assert f"<dt>Figures as of</dt><dd>{book['work_date']:%d/%m/%Y}</dd>" in card
    factbox = client.get(f"/t/alpha/customers/{c1.pk}/factbox/").content.decode()
    assert '<dt>Overdue</dt><dd class="num">150.00 GBP</dd>' in factbox


def test_the_balance_due_report_ages_as_of_the_work_date(tenant_a, book, client_for):
    html = client_for(book["manager"]).get("/t/alpha/customers/balance-due/").content.decode()
    row = html[html.index(f'id="bd-{book["customers"]["c1"].pk}"') :]
    assert row.index('data-figure="overdue">150.00 GBP<') < row.index("</tr>")


def test_the_ledger_counts_days_overdue_as_of_the_work_date(tenant_a, book, api_for):
    """INV6 of C1 was due 95 days before today, so 75 days overdue on the work date (20 days back)."""
    api = api_for(book["manager"])
    entries = api.get("/api/t/alpha/entries/", {"customer_code": "C1", "document_no": "INV6"}).json()[
        "results"
    ]
    assert [e["days_overdue"] for e in entries] == [75]
    late = api.get("/api/t/alpha/entries/", {"customer_code": "C1", "days_overdue_min": 70}).json()["results"]
    assert [e["document_no"] for e in late] == ["INV6"]
