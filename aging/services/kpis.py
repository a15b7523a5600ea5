"""Writes the tenant's daily KPI snapshots (taken by the nightly Recalculate All) for trend charts and the
branch context's dashboard: the whole company's, and each branch's that customers trade in."""

import datetime

from creditcontrol.scope import unscoped
from ledger.models import CustomerBranch

from ..models import KpiSnapshot
from ..selectors import tenant_kpis


def kpi_snapshot_take(*, as_of: datetime.date) -> KpiSnapshot:
    """The whole company's snapshot (returned) and each branch's."""
    for branch_id in (
        CustomerBranch.objects.values_list("branch_id", flat=True).distinct().order_by("branch_id")
    ):
        _take(as_of=as_of, branch_id=branch_id)
    return _take(as_of=as_of, branch_id=None)


def _take(*, as_of: datetime.date, branch_id: int | None) -> KpiSnapshot:
    with unscoped():  # the tenant's figures, whoever's request set the run going
        kpis = tenant_kpis(as_of=as_of, branch_id=branch_id)
    snapshot, _ = KpiSnapshot.objects.update_or_create(
        date=as_of,
        branch_id=branch_id,
        defaults={
            "customers_count": kpis["customers_count"],
            "total_ar_lcy": kpis["total_ar_lcy"],
            "overdue_lcy": kpis["overdue_lcy"],
            "not_due_lcy": kpis["not_due_lcy"],
            "band_totals_lcy": kpis["band_totals_lcy"],
            "credit_sales_lcy": kpis["credit_sales_lcy"],
            "dso": kpis["dso"],
            "best_possible_dso": kpis["best_possible_dso"],
            "add": kpis["add"],
            "cei_month_to_date": kpis["cei_month_to_date"],
        },
    )
    return snapshot
