"""Every credit figure of PRODUCT.md on a hand-worked ledger, exactly, for each aging basis and a work date."""

import datetime
from decimal import Decimal

import pytest

from aging import selectors, services
from aging.models import AgingBasis, CustomerStatistics
from creditcontrol.models import Membership, Role
from creditcontrol.tenancy import tenant_context

from .helpers import days_ago, hand_worked_ledger, stats

D = Decimal
BANDS = ["band_1_lcy", "band_2_lcy", "band_3_lcy", "band_4_lcy", "band_5_lcy"]


def bands_of(row) -> list[Decimal]:
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    return [get(name) for name in BANDS] + [get(f"band_{i}_lcy") for i in range(6, 11)]


@pytest.fixture
def ledger(tenant_a):
    from creditcontrol.setup import tenant_initialise

    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        yield hand_worked_ledger(tenant_a)


def test_due_date_basis_every_figure(tenant_a, ledger):
    run = services.recalculate_all(trigger="command")
    assert run.status == "succeeded"
    assert (run.customers_count, run.entries_count) == (4, 18)
    today = tenant_a.today()

    c1 = stats(ledger["c1"])
    assert c1.balance_lcy == D("640.00")
    assert c1.overdue_balance_lcy == D("390.00")
    assert c1.not_due_lcy == D("250.00")
    assert bands_of(c1) == [D("250.00"), D("240.00"), D("0"), D("0"), D("150.00")] + [D("0")] * 5
    assert sum(bands_of(c1)) == c1.balance_lcy
    assert c1.avg_days_to_pay == D("45.00")  # INV1 40 days, INV2 50 days; INV3 closed by a credit memo only
    assert c1.avg_overdue_days == D("15.00")  # 10 and 20
    assert c1.weighted_days_late == D("13.33")  # (1000 × 10 + 500 × 20) / 1500
    assert c1.avg_days_overdue_open == D("55.00")  # INV4 15, INV6 95
    assert c1.open_invoices_count == 3
    assert (c1.last_payment_date, c1.last_payment_amount_lcy) == (days_ago(today, 3), D("80.00"))
    assert (c1.is_over_credit_limit, c1.is_overdue, c1.is_blocked) == (True, True, False)
    assert c1.account_statuses == ["Over credit limit", "Overdue"]
    assert c1.balance_status == "outstanding"
    assert (c1.todo_count, c1.overdue_todo_count, c1.held_sales_documents, c1.held_service_documents) == (
        0,
        0,
        0,
        0,
    )
    assert c1.as_of_date == today and c1.calculated_at is not None and not c1.is_stale

    c2 = stats(ledger["c2"])
    assert (c2.balance_lcy, c2.overdue_balance_lcy, c2.not_due_lcy) == (D("-50.00"), D("-50.00"), D("0"))
    assert bands_of(c2)[:5] == [D("0"), D("-50.00"), D("0"), D("0"), D("0")]
    assert (c2.avg_days_to_pay, c2.avg_overdue_days, c2.weighted_days_late) == (None, None, None)
    assert c2.avg_days_overdue_open == D("10.00")
    assert c2.open_invoices_count == 1
    assert (c2.last_payment_date, c2.last_payment_amount_lcy) == (days_ago(today, 20), D("100.00"))
    assert (c2.is_over_credit_limit, c2.is_overdue, c2.is_blocked) == (False, False, True)
    assert c2.account_statuses == ["Blocked"]
    assert c2.balance_status == "credit"

    c3 = stats(ledger["c3"])  # no entries at all: a row of zeros, figures that need data left empty
    assert (c3.balance_lcy, c3.overdue_balance_lcy, c3.open_invoices_count) == (D("0"), D("0"), 0)
    assert (c3.avg_days_to_pay, c3.last_payment_date, c3.last_payment_amount_lcy) == (None, None, None)
    assert c3.balance_status == "zero" and c3.account_statuses == ["OK"] and not c3.is_stale

    c4 = stats(ledger["c4"])  # EUR 100 at 0.86, EUR 50 paid: EUR 50 left = 43.00 at the invoice's rate
    assert (c4.balance_lcy, c4.overdue_balance_lcy, c4.not_due_lcy) == (D("43.00"), D("43.00"), D("0"))
    assert bands_of(c4)[:2] == [D("0"), D("43.00")]
    assert (c4.last_payment_date, c4.last_payment_amount_lcy) == (days_ago(today, 5), D("43.50"))
    assert c4.avg_days_overdue_open == D("10.00") and c4.avg_days_to_pay is None


@pytest.mark.parametrize(
    "basis, expected",
    [
        (AgingBasis.POSTING_DATE, [D("0"), D("190.00"), D("300.00"), D("0"), D("150.00")]),
        (AgingBasis.DOCUMENT_DATE, [D("0"), D("-60.00"), D("550.00"), D("0"), D("150.00")]),
    ],
)
def test_other_aging_bases(tenant_a, ledger, basis, expected):
    setup = services.aging_setup_get()
    services.aging_setup_update(
        basis=basis,
        use_work_date=False,
        dso_period_days=90,
        nightly_recalculation_time=setup.nightly_recalculation_time,
    )
    services.recalculate_all(trigger="command")
    c1 = stats(ledger["c1"])
    assert bands_of(c1)[:5] == expected
    assert sum(bands_of(c1)) == c1.balance_lcy == D("640.00")
    # the basis moves only the bands: overdue and not due follow the due date whatever the basis
    assert (c1.overdue_balance_lcy, c1.not_due_lcy) == (D("390.00"), D("250.00"))


def test_work_date_as_of(tenant_a, ledger, make_member):
    user = make_member(tenant_a, Role.CONTROLLER)
    today = tenant_a.today()
    Membership.objects.filter(user=user, tenant=tenant_a).update(work_date=days_ago(today, 20))
    assert services.as_of_date(user=user) == today  # the setup does not use work dates yet
    setup = services.aging_setup_get()
    setup.use_work_date = True
    setup.save()
    as_of = services.as_of_date(user=user)
    assert as_of == days_ago(today, 20)

    figures = selectors.customer_figures(customer_ids=[ledger["c1"].pk], as_of=as_of)[ledger["c1"].pk]
    assert figures["balance_lcy"] == D("640.00")
    assert figures["overdue_balance_lcy"] == D("150.00")  # only INV6 was past due 20 days ago
    assert figures["not_due_lcy"] == D("490.00")
    assert bands_of(figures)[:5] == [D("490.00"), D("0"), D("0"), D("150.00"), D("0")]
    assert figures["avg_days_overdue_open"] == D("75.00")
    assert figures["avg_days_to_pay"] == D("45.00")
    # the stored statistics stay as of the tenant's today (work dates are per user)
    services.recalculate_all(trigger="manual", user=user)
    assert stats(ledger["c1"]).as_of_date == today


def test_recalculate_entries_refreshes_only_changed_customers(tenant_a, ledger):
    services.recalculate_all(trigger="command")
    from ledger.services import ledger_entry_post

    today = tenant_a.today()
    before_c2 = stats(ledger["c2"]).calculated_at
    ledger_entry_post(
        customer=ledger["c1"],
        document_type="invoice",
        document_no="INV9",
        posting_date=today,
        due_date=today + datetime.timedelta(days=30),
        amount=D("60.00"),
    )
    assert stats(ledger["c1"]).is_stale and stats(ledger["c1"]).balance_lcy == D("640.00")
    run = services.recalculate_entries(trigger="manual")
    assert (run.kind, run.customers_count, run.entries_count) == ("entries", 1, 14)
    c1 = stats(ledger["c1"])
    assert not c1.is_stale and (c1.balance_lcy, c1.not_due_lcy, c1.open_invoices_count) == (
        D("700.00"),
        D("310.00"),
        4,
    )
    assert stats(ledger["c2"]).calculated_at == before_c2
    assert services.recalculate_entries(trigger="manual") is None  # nothing stale: no run recorded
    # on demand for selected customers, stale or not
    run = services.recalculate_entries(trigger="manual", customer_ids=[ledger["c2"].pk, ledger["c3"].pk])
    assert run.customers_count == 2


def test_figures_match_a_fresh_computation_for_every_customer(tenant_a, ledger):
    services.recalculate_all(trigger="command")
    ids = list(CustomerStatistics.objects.values_list("customer_id", flat=True))
    fresh = selectors.customer_figures(customer_ids=ids, as_of=tenant_a.today())
    for row in CustomerStatistics.objects.all():
        assert {k: getattr(row, k) for k in fresh[row.customer_id]} == fresh[row.customer_id]
