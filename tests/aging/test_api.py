"""API: statistics per customer (filter and sort by any figure), tenant KPIs with history, recalculation runs;
and from a second tenant: 404s and none of the first tenant's rows."""

from decimal import Decimal

import pytest
from rest_framework import serializers

from aging import services
from aging.api import CustomerStatisticsSerializer
from aging.models import CustomerStatistics, RecalculationRun
from creditcontrol.models import Role
from creditcontrol.setup import tenant_initialise
from creditcontrol.tenancy import tenant_context

from .helpers import hand_worked_ledger


@pytest.fixture
def ledger(tenant_a):
    tenant_initialise(tenant_a)
    with tenant_context(tenant_a):
        customers = hand_worked_ledger(tenant_a)
        services.recalculate_all(trigger="command")
        services.kpi_snapshot_take(as_of=tenant_a.today())
    return customers


def test_statistics_list_filter_and_sort(tenant_a, ledger, make_member, api_for):
    api = api_for(make_member(tenant_a, Role.VIEWER))
    body = api.get("/api/t/alpha/statistics/?ordering=-balance_lcy").json()
    assert [row["customer_code"] for row in body["results"]] == ["C1", "C4", "C3", "C2"]
    c1 = body["results"][0]
    assert c1["balance_lcy"] == "640.00" and c1["weighted_days_late"] == "13.33"
    assert c1["band_2_lcy"] == "240.00" and c1["account_statuses"] == ["Over credit limit", "Overdue"]
    assert c1["is_stale"] is False and c1["last_payment_amount_lcy"] == "80.00"

    def codes(query):
        return [
            row["customer_code"] for row in api.get(f"/api/t/alpha/statistics/?{query}").json()["results"]
        ]

    assert codes("overdue_balance_lcy__gt=0") == ["C1", "C4"]
    assert codes("balance_status=credit") == ["C2"]
    assert codes("is_blocked=true") == ["C2"]
    assert codes("avg_days_to_pay__gte=45") == ["C1"]
    assert codes("avg_days_overdue_open__lte=10&ordering=customer__code") == ["C2", "C4"]
    assert codes("open_invoices_count=1&ordering=-last_payment_date") == ["C4", "C2"]
    assert codes("q=baker") == ["C2"]
    assert codes("stale=true") == []
    detail = api.get(f"/api/t/alpha/statistics/{ledger['c4'].pk}/").json()
    assert detail["balance_lcy"] == "43.00"


def test_kpis_with_history(tenant_a, ledger, make_member, api_for):
    body = api_for(make_member(tenant_a, Role.MANAGER)).get("/api/t/alpha/kpis/").json()
    current = body["current"]
    assert current["total_ar_lcy"] == "633.00"  # C1 640, C2 −50, C4 43
    assert current["overdue_lcy"] == "383.00" and current["not_due_lcy"] == "250.00"
    assert [band["amount_lcy"] for band in current["band_totals_lcy"]] == [
        "250.00",
        "233.00",
        "0.00",
        "0.00",
        "150.00",
    ]
    # net credit sales over 90 days: invoices 500+200+400+250+100+86 (posted within 90 days) less credit memos 450
    assert current["credit_sales_lcy"] == "1086.00"
    assert current["dso"] == str((Decimal("633.00") / Decimal("1086.00") * 90).quantize(Decimal("0.01")))
    assert len(body["history"]) == 1 and body["history"][0]["total_ar_lcy"] == "633.00"
    assert body["cei_by_month"][0]["month"] == tenant_a.today().replace(day=1).isoformat()


def test_recalculation_runs_start_and_status(
    tenant_a, ledger, make_member, api_for, django_capture_on_commit_callbacks
):
    controller = api_for(make_member(tenant_a, Role.CONTROLLER))
    assert controller.post("/api/t/alpha/recalculations/", {"kind": "all"}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = controller.post(
            "/api/t/alpha/recalculations/",
            {"kind": "entries", "customer_ids": [ledger["c1"].pk]},
            format="json",
        )
    assert response.status_code == 202
    run = controller.get(f"/api/t/alpha/recalculations/{response.json()['id']}/").json()
    assert (run["kind"], run["status"], run["customers_count"], run["entries_count"]) == (
        "entries",
        "succeeded",
        1,
        13,
    )

    admin = api_for(make_member(tenant_a, Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/api/t/alpha/recalculations/", {"kind": "all"}, format="json")
    assert response.status_code == 202
    runs = admin.get("/api/t/alpha/recalculations/?kind=all").json()["results"]
    assert runs[0]["status"] == "succeeded" and runs[0]["customers_count"] == 4
    viewer = api_for(make_member(tenant_a, Role.VIEWER))
    assert viewer.post("/api/t/alpha/recalculations/", {"kind": "entries"}, format="json").status_code == 403


def test_start_rejects_foreign_customer_ids(tenant_a, tenant_b, ledger, make_member, api_for):
    with tenant_context(tenant_b):
        from customers.models import Customer

        foreign = Customer.objects.create(code="B1", name="Beta customer")
    api = api_for(make_member(tenant_a, Role.CONTROLLER))
    response = api.post(
        "/api/t/alpha/recalculations/", {"kind": "entries", "customer_ids": [foreign.pk]}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"] == {"customer_ids": [foreign.pk]}
    with tenant_context(tenant_a):
        assert not RecalculationRun.objects.filter(kind="entries").exists()


def test_second_tenant_sees_nothing_of_the_first(tenant_a, tenant_b, ledger, make_member, api_for):
    with tenant_context(tenant_a):
        run = RecalculationRun.objects.first()
    api = api_for(make_member(tenant_b, Role.ADMIN))
    assert api.get("/api/t/beta/statistics/").json()["results"] == []
    assert api.get(f"/api/t/beta/statistics/{ledger['c1'].pk}/").status_code == 404
    assert api.get("/api/t/beta/recalculations/").json()["results"] == []
    assert api.get(f"/api/t/beta/recalculations/{run.pk}/").status_code == 404
    kpis = api.get("/api/t/beta/kpis/").json()
    assert kpis["history"] == [] and kpis["current"]["total_ar_lcy"] == "0.00"
    # and the first tenant's URLs are a 404 for a non-member
    assert api.get("/api/t/alpha/statistics/").status_code == 404
    assert api.get(f"/api/t/alpha/recalculations/{run.pk}/").status_code == 404
    assert api.post("/api/t/alpha/recalculations/", {"kind": "all"}, format="json").status_code == 404


def test_statistics_rows_are_written_as_drf_writes_them(tenant_a, ledger):
    """The serializer writes the stored values straight out: field by field, the same answer as DRF's
    own fields give, for rows with money, empty figures, credits, stale and blocked customers."""
    with tenant_context(tenant_a):
        rows = list(CustomerStatistics.objects.select_related("customer").order_by("customer__code"))
        rows[0].avg_days_to_pay = None  # an empty figure
        rows[1].balance_lcy = Decimal("-0.00")
        rows[2].ledger_version = rows[2].calculated_version + 1  # stale
        serializer = CustomerStatisticsSerializer(rows, many=True)
        fast = serializer.data
        drf = [serializers.ModelSerializer.to_representation(serializer.child, row) for row in rows]
    assert [dict(row) for row in fast] == [dict(row) for row in drf]
    assert {type(value) for row in fast for value in row.values()} <= {str, int, bool, list, type(None)}
