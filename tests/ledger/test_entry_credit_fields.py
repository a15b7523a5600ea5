"""Credit-control fields on the ledger entries: status code, promise and query, and the days figures (days
overdue, days to pay, days late) in the entries API and on the ledger page; their filters; clear 400s; the
query count of a page; the columns each user chooses."""

import datetime
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from creditcontrol.models import Role
from creditcontrol.tenancy import tenant_context
from interactions.models import StatusCode
from interactions.services import entries_update, interaction_create, status_codes_seed_defaults
from ledger.models import LedgerEntry
from ledger.services import entries_apply
from tests import factories


def _day(today: datetime.date, n: int) -> datetime.date:
    return today + datetime.timedelta(days=n)


def _update(customer, user, entry, code, **fields):
    """Set a status code on one entry the way a user does: an interaction, then "Update selected entries"."""
    call = interaction_create(customer=customer, user=user, description="Called", entry_ids=[entry.pk])
    entries_update(
        interaction=call,
        user=user,
        status_code=StatusCode.objects.get(code=code),
        entry_ids=[entry.pk],
        **fields,
    )


@pytest.fixture
def ledger(tenant_a, make_member):
    return build_ledger(tenant_a, make_member)


def build_ledger(tenant_a, make_member):
    """C100 on 30-day terms, as of T = today in tenant A (every date below is T ± days):

    | entry | posted | due | state | status code |
    |---|---|---|---|---|
    | SI-3 400.00 | T-60 | T-30 | closed T-20 by PMT-1 | none |
    | SI-4 250.00 | T-50 | T-20 | open | PROMISED full, promised date now T-2 (passed) |
    | SI-1 1,200.00 | T-40 | T-10 | open | PROMISED 500.00 by T+3 |
    | SI-7 80.00 | T-35 | T-5 | open | PROMISED 50.00 by T+7 |
    | SI-5 100.00 | T-31 | T-1 | open | QUERIED, target T (the work date) |
    | SI-6 60.00 | T-30 | T | open | CALLBACK |
    | SI-2 300.00 | T-20 | T+10 | open | DISPUTED (resolved by me): target T+5, carol |
    | PMT-1 -400.00 | T-20 | T-20 | closed | none |
    """
    manager = make_member(tenant_a, Role.MANAGER, username="maria")
    carol = make_member(tenant_a, Role.CONTROLLER, username="carol")
    with tenant_context(tenant_a):
        today = tenant_a.today()
        status_codes_seed_defaults()
        customer = factories.customer(code="C100", name="Harbour Foods Ltd", controller=carol)

        def post(no, posted, amount):
            return factories.invoice(customer, no, _day(today, posted).isoformat(), amount)

        si3 = post("SI-3", -60, "400.00")
        si4 = post("SI-4", -50, "250.00")
        si1 = post("SI-1", -40, "1200.00")
        si7 = post("SI-7", -35, "80.00")
        si5 = post("SI-5", -31, "100.00")
        si6 = post("SI-6", -30, "60.00")
        si2 = post("SI-2", -20, "300.00")
        pmt = factories.payment(customer, "PMT-1", _day(today, -20).isoformat(), "400.00")
        entries_apply(applying_entry_id=pmt.pk, applied_entry_id=si3.pk, posting_date=_day(today, -20))

        _update(
            customer,
            carol,
            si1,
            "PROMISED",
            promised_amount=Decimal("500.00"),
            promised_payment_date=_day(today, 3),
        )
        _update(
            customer, carol, si4, "PROMISED", promised_full_amount=True, promised_payment_date=_day(today, 1)
        )
        # A promise cannot be made for a past date: this one was made earlier and its day has gone by.
        LedgerEntry.objects.filter(pk=si4.pk).update(promised_payment_date=_day(today, -2))
        _update(
            customer,
            carol,
            si7,
            "PROMISED",
            promised_amount=Decimal("50.00"),
            promised_payment_date=_day(today, 7),
        )
        _update(customer, carol, si5, "QUERIED")
        _update(customer, carol, si6, "CALLBACK")
        _update(customer, carol, si2, "DISPUTED", query_resolution_target_date=_day(today, 5))
    return SimpleNamespace(
        tenant=tenant_a, today=today, customer=customer, manager=manager, carol=carol, base="/api/t/alpha"
    )


CREDIT_FIELDS = [
    "status_code",
    "promised_payment_date",
    "promised_amount",
    "promised_full_amount",
    "query_resolution_target_date",
    "query_resolution_by",
    "days_overdue",
    "days_to_pay",
    "days_late",
]


def _rows(api, ledger, **params):
    response = api.get(f"{ledger.base}/entries/", {"customer": ledger.customer.pk, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _nos(api, ledger, **params) -> list[str]:
    return [row["document_no"] for row in _rows(api, ledger, **params)]


def test_each_entry_shows_its_credit_fields_and_days(ledger, api_for):
    t = lambda n: _day(ledger.today, n).isoformat()  # noqa: E731
    rows = {row["document_no"]: row for row in _rows(api_for(ledger.manager), ledger)}
    fields = {no: [row[f] for f in CREDIT_FIELDS] for no, row in rows.items()}
    assert fields == {
        # status, promised date, promised amount, full, resolution target, by, overdue, to pay, late
        "SI-3": [None, None, None, False, None, None, None, 40, 10],  # closed T-20, posted T-60, due T-30
        "SI-4": ["PROMISED", t(-2), "250.00", True, None, None, 20, None, None],
        "SI-1": ["PROMISED", t(3), "500.00", False, None, None, 10, None, None],
        "SI-7": ["PROMISED", t(7), "50.00", False, None, None, 5, None, None],
        "SI-5": ["QUERIED", None, None, False, t(0), None, 1, None, None],  # target: the work date
        "SI-6": ["CALLBACK", None, None, False, None, None, 0, None, None],  # due on T: not overdue
        "SI-2": ["DISPUTED", None, None, False, t(5), "carol", 0, None, None],  # not yet due
        "PMT-1": [None, None, None, False, None, None, None, None, None],  # a payment: no days figures
    }


def test_an_invoice_paid_early_is_zero_days_late(ledger, api_for):
    with tenant_context(ledger.tenant):
        early = factories.invoice(ledger.customer, "SI-8", _day(ledger.today, -15).isoformat(), "90.00")
        pay = factories.payment(ledger.customer, "PMT-2", _day(ledger.today, -12).isoformat(), "90.00")
        entries_apply(
            applying_entry_id=pay.pk, applied_entry_id=early.pk, posting_date=_day(ledger.today, -12)
        )
    row = next(r for r in _rows(api_for(ledger.manager), ledger) if r["document_no"] == "SI-8")
    assert (row["days_overdue"], row["days_to_pay"], row["days_late"]) == (None, 3, 0)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status_code": "PROMISED"}, ["SI-4", "SI-1", "SI-7"]),
        ({"status_code": "DISPUTED"}, ["SI-2"]),
        ({"promised": "true"}, ["SI-4", "SI-1", "SI-7"]),
        ({"promised": "false"}, ["SI-3", "SI-5", "SI-6", "SI-2", "PMT-1"]),
        ({"promise_due": "week"}, ["SI-1"]),  # T+3; T+7 is next week, T-2 has passed
        ({"promise_due": "overdue"}, ["SI-4"]),
        ({"queried": "true"}, ["SI-5", "SI-2"]),
        ({"queried": "false"}, ["SI-3", "SI-4", "SI-1", "SI-7", "SI-6", "PMT-1"]),
        ({"days_overdue_min": "0"}, ["SI-4", "SI-1", "SI-7", "SI-5", "SI-6", "SI-2"]),
        ({"days_overdue_min": "1"}, ["SI-4", "SI-1", "SI-7", "SI-5"]),
        ({"days_overdue_min": "10"}, ["SI-4", "SI-1"]),
        ({"days_overdue_max": "0"}, ["SI-6", "SI-2"]),
        ({"days_overdue_min": "5", "days_overdue_max": "10"}, ["SI-1", "SI-7"]),
        ({"promised": "true", "days_overdue_max": "10"}, ["SI-1", "SI-7"]),
    ],
)
def test_filters_give_exactly_these_rows(ledger, api_for, params, expected):
    assert _nos(api_for(ledger.manager), ledger, **params) == expected


def test_resolution_before_a_date(ledger, api_for):
    api = api_for(ledger.manager)
    t = lambda n: _day(ledger.today, n).isoformat()  # noqa: E731
    assert _nos(api, ledger, resolution_before=t(5)) == ["SI-5"]  # the date itself is not before it
    assert _nos(api, ledger, resolution_before=t(6)) == ["SI-5", "SI-2"]
    assert _nos(api, ledger, resolution_before=t(0)) == []


@pytest.mark.parametrize(
    ("params", "body"),
    [
        (
            {"status_code": "NOPE"},
            {"status_code": ["Select a valid choice. That choice is not one of the available choices."]},
        ),
        (
            {"promised": "maybe"},
            {"promised": ["Select a valid choice. maybe is not one of the available choices."]},
        ),
        (
            {"promise_due": "soon"},
            {"promise_due": ["Select a valid choice. soon is not one of the available choices."]},
        ),
        (
            {"queried": "yes"},
            {"queried": ["Select a valid choice. yes is not one of the available choices."]},
        ),
        ({"resolution_before": "2026-02-30"}, {"resolution_before": ["Enter a valid date."]}),
        (
            {"days_overdue_min": "-1"},
            {"days_overdue_min": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"days_overdue_max": "ten"}, {"days_overdue_max": ["Enter a whole number."]}),
        ({"days_overdue_max": "1.5"}, {"days_overdue_max": ["Enter a whole number."]}),
        (
            {"days_overdue_min": "99999999999"},
            {"days_overdue_min": ["Ensure this value is less than or equal to 100000."]},
        ),
    ],
)
def test_bad_filter_values_answer_400_naming_the_field(ledger, api_for, params, body):
    response = api_for(ledger.manager).get(f"{ledger.base}/entries/", params)
    assert response.status_code == 400
    assert response.json() == body


def test_another_tenants_status_code_filter_sees_none_of_these_rows(ledger, tenant_b, make_member, api_for):
    with tenant_context(tenant_b):
        status_codes_seed_defaults()
    api = api_for(make_member(tenant_b, Role.MANAGER))
    response = api.get("/api/t/beta/entries/", {"status_code": "PROMISED"})
    assert response.status_code == 200 and response.json()["results"] == []
    assert api.get("/api/t/beta/entries/", {"promise_due": "overdue"}).json()["results"] == []


def _api_queries(api, ledger) -> tuple[int, int]:
    api.get(f"{ledger.base}/entries/", {"page_size": 50})  # warm: anything a first request sets up
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{ledger.base}/entries/", {"page_size": 50})
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def _page_queries(client, tenant) -> int:
    client.get(f"/t/{tenant.slug}/ledger/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/t/{tenant.slug}/ledger/")
    assert response.status_code == 200
    return len(queries)


def test_a_page_of_50_costs_no_more_queries_than_a_page_of_8(ledger, api_for, client):
    """Every entry carries a status code and a resolver: joined into the page's query, not read per row."""
    api = api_for(ledger.manager)
    client.force_login(ledger.manager)
    with tenant_context(ledger.tenant):
        LedgerEntry.objects.update(
            status_code=StatusCode.objects.get(code="DISPUTED"), query_resolution_by=ledger.carol
        )
    few, shown = _api_queries(api, ledger)
    few_page = _page_queries(client, ledger.tenant)
    assert shown == 8
    with tenant_context(ledger.tenant):
        disputed = StatusCode.objects.get(code="DISPUTED")
        for n in range(42):
            factories.invoice(ledger.customer, f"SI-{100 + n}", _day(ledger.today, -n).isoformat(), "10.00")
        LedgerEntry.objects.update(status_code=disputed, query_resolution_by=ledger.carol)
    many, shown = _api_queries(api, ledger)
    assert shown == 50
    assert many == few
    assert _page_queries(client, ledger.tenant) == few_page


# --- the ledger page -------------------------------------------------------------------------------


def _cells(html: str, column: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'<td[^>]*data-column="{column}"[^>]*>(.*?)</td>', html, re.S)
    ]


def _headers(html: str) -> list[str]:
    return re.findall(r'<th[^>]*data-column="(\w+)"', html)


def test_the_page_shows_the_default_credit_columns(ledger, client):
    client.force_login(ledger.manager)
    response = client.get("/t/alpha/ledger/", {"customer": ledger.customer.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert _headers(html) == [
        "status_code",
        "promised_payment_date",
        "promised_amount",
        "query_resolution_target_date",
        "days_overdue",
    ]
    t = lambda n: f"{_day(ledger.today, n):%d/%m/%Y}"  # noqa: E731
    # rows in posting order: SI-3, SI-4, SI-1, SI-7, SI-5, SI-6, SI-2, PMT-1
    assert _cells(html, "status_code") == [
        "",
        "PROMISED",
        "PROMISED",
        "PROMISED",
        "QUERIED",
        "CALLBACK",
        "DISPUTED",
        "",
    ]
    assert _cells(html, "promised_payment_date") == ["", t(-2), t(3), t(7), "", "", "", ""]
    assert _cells(html, "promised_amount") == [
        "",
        "250.00 GBP full",
        "500.00 GBP",
        "50.00 GBP",
        "",
        "",
        "",
        "",
    ]
    assert _cells(html, "query_resolution_target_date") == ["", "", "", "", t(0), "", t(5), ""]
    assert _cells(html, "days_overdue") == ["", "20", "10", "5", "1", "0", "0", ""]
    # a promise whose date has passed on an open entry shows in red
    assert re.search(rf'data-column="promised_payment_date" class="overdue"[^>]*>{t(-2)}<', html)


def test_the_page_filters_with_the_same_filters(ledger, client):
    client.force_login(ledger.manager)
    response = client.get("/t/alpha/ledger/", {"customer": ledger.customer.pk, "promise_due": "overdue"})
    assert re.findall(
        r'<tr data-entry="\d+">\s*<td><input[^>]*aria-label="Select ([\w-]+)"', response.content.decode()
    ) == ["SI-4"]
    response = client.get("/t/alpha/ledger/", {"customer": ledger.customer.pk, "days_overdue_min": "-3"})
    assert response.status_code == 200
    assert "days_overdue_min: Ensure this value is greater than or equal to 0." in response.content.decode()


def test_each_user_chooses_their_columns(ledger, make_member, client):
    """Ticked in the filter form, remembered (in the session) for the next visit; the defaults on request."""
    viewer = make_member(ledger.tenant, Role.VIEWER, username="vic")
    client.force_login(viewer)
    response = client.get(
        "/t/alpha/ledger/",
        {
            "customer": ledger.customer.pk,
            "columns_chosen": "1",
            "columns": ["days_late", "days_to_pay", "status_code", "nonsense"],
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    # in the table's order, unknown keys left out
    assert _headers(html) == ["status_code", "days_to_pay", "days_late"]
    # rows in posting order: SI-3 (closed T-20: posted T-60, due T-30), SI-4, SI-1, SI-7, SI-5, SI-6, SI-2, PMT-1
    assert _cells(html, "days_to_pay") == ["40", "", "", "", "", "", "", ""]
    assert _cells(html, "days_late") == ["10", "", "", "", "", "", "", ""]
    # the page's links keep the filters but not the choice: it is remembered
    link = re.search(r'href="\?([^"]*)columns_chosen=defaults"', html).group(1)
    assert link == f"customer={ledger.customer.pk}&amp;"
    html = client.get("/t/alpha/ledger/", {"customer": ledger.customer.pk}).content.decode()
    assert _headers(html) == ["status_code", "days_to_pay", "days_late"]
    # none ticked is none; the defaults come back on request
    assert _headers(client.get("/t/alpha/ledger/", {"columns_chosen": "1"}).content.decode()) == []
    assert _headers(client.get("/t/alpha/ledger/").content.decode()) == []
    assert len(_headers(client.get("/t/alpha/ledger/", {"columns_chosen": "defaults"}).content.decode())) == 5
    assert len(_headers(client.get("/t/alpha/ledger/").content.decode())) == 5
    # another user keeps their own (default) columns
    client.force_login(ledger.manager)
    assert len(_headers(client.get("/t/alpha/ledger/").content.decode())) == 5
