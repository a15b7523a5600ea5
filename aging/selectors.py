"""Reads of the credit statistics: stored per-customer figures, live figures as of a date, tenant KPIs."""

import datetime
from collections.abc import Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, Q, Sum

from creditcontrol.asof import as_of_date
from creditcontrol.models import Membership, Role
from creditcontrol.scope import scoped_controller_id
from creditcontrol.tenancy import current_tenant
from customers.models import Customer
from customers.selectors import customer_in_scope_sql
from interactions.models import ToDo, ToDoStatus
from interactions.selectors import promise_kept_rates
from ledger import arithmetic
from ledger.branches import customers_in_branch_q
from ledger.models import LedgerEntry

from .figures import BASIS_COLUMN, FIGURE_COLUMNS, band_condition, figures_params, figures_sql
from .models import AgingBand, AgingBasis, AgingSetup, CustomerStatistics, KpiSnapshot, RecalculationRun
from .versions import cached

ENTRY = LedgerEntry._meta.db_table

CENT = Decimal("0.01")
# Net credit sales: what was invoiced less what was credited back.
CREDIT_SALES_TYPES = ("invoice", "credit_memo")


def tenant_totals(*, with_bands: bool = False) -> dict:
    """The tenant's headline figures from the stored statistics, in one pass; with the Σ of each aging
    band under "bands" when asked. Read once per version of the statistics and scope (aging/versions.py)."""
    scope = scoped_controller_id() or "all"
    return cached(
        current_tenant(),
        f"totals:{scope}:{'bands' if with_bands else 'plain'}",
        lambda: _tenant_totals(with_bands=with_bands),
    )


def _tenant_totals(*, with_bands: bool) -> dict:
    bands = aging_bands() if with_bands else []
    sums = CustomerStatistics.objects.aggregate(
        customers=Count("customer_id"),
        total_balance_lcy=Sum("balance_lcy"),
        total_overdue_lcy=Sum("overdue_balance_lcy"),
        overdue_customers=Count("customer_id", filter=Q(overdue_balance_lcy__gt=0)),
        stale_customers=Count("customer_id", filter=Q(calculated_version__lt=F("ledger_version"))),
        **{f"band_{b.position}": Sum(f"band_{b.position}_lcy") for b in bands},
    )
    if with_bands:
        sums["bands"] = [
            {"label": b.label, "amount_lcy": sums.pop(f"band_{b.position}") or Decimal("0.00")} for b in bands
        ]
    return sums


def top_overdue_customers(*, limit: int):
    return (
        CustomerStatistics.objects.filter(overdue_balance_lcy__gt=0)
        .select_related("customer")
        .order_by("-overdue_balance_lcy")[:limit]
    )


def statistics_list():
    """Stored statistics with their customer, for lists, filters and sorting (see aging.filters)."""
    return CustomerStatistics.objects.select_related("customer").order_by("customer__code")


def aging_bands() -> list[AgingBand]:
    return list(AgingBand.objects.order_by("position"))


def customer_figures(
    *, customer_ids: list[int], as_of: datetime.date, branch_id: int | None = None
) -> dict[int, dict]:
    """Every figure of these customers as of `as_of`, computed now from the ledger (not stored).

    Same SQL as the recalculation; used for a work-date as-of, which differs per user and so is never
    stored, and for a branch context (only that branch's entries). The ledger is taken as it stands
    (remaining amounts today); D only moves the aging date.
    """
    setup, _ = AgingSetup.objects.get_or_create(tenant=current_tenant())
    sql = figures_sql(
        bands=aging_bands(), basis=setup.basis, restrict_to_ids=True, branch=branch_id is not None
    )
    params = figures_params(tenant_id=current_tenant().pk, as_of=as_of, ids=list(customer_ids))
    params["branch"] = branch_id
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return {row["customer_id"]: {column: row[column] for column in FIGURE_COLUMNS} for row in rows}


def live_as_of(*, as_of: datetime.date, branch_id: int | None = None) -> datetime.date | None:
    """`as_of` (a user's, aging.services.as_of_date) when figures as of it must be read now from the
    ledger, because the stored ones are as of another date or for every branch; None when the stored
    figures are the ones to show."""
    if branch_id is None and as_of == current_tenant().today():
        return None
    return as_of


def statistics_as_of(
    rows: Iterable[CustomerStatistics],
    *,
    as_of: datetime.date,
    branch_id: int | None = None,
    chunk: int = 2000,
) -> Iterator[CustomerStatistics]:
    """The rows, each with its figures read now as of `as_of` (only `branch_id`'s entries, if given) in
    place of the stored ones and `as_of_date` set to it: what a page, export or answer shows a user whose
    figures are not the stored ones (`live_as_of`). Read `chunk` customers at a time."""
    batch: list[CustomerStatistics] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from _with_figures(batch, as_of=as_of, branch_id=branch_id)
            batch = []
    yield from _with_figures(batch, as_of=as_of, branch_id=branch_id)


def statistics_as_seen(
    rows: Iterable[CustomerStatistics], *, user, branch_id: int | None = None
) -> Iterable[CustomerStatistics]:
    """The rows with the figures `user` should see: the stored ones, or, in a branch context or when the
    setup ages as of the user's work date, the figures read now as of that date (lazily, in chunks)."""
    as_of = live_as_of(as_of=as_of_date(user=user), branch_id=branch_id)
    return rows if as_of is None else statistics_as_of(rows, as_of=as_of, branch_id=branch_id)


def _with_figures(batch, *, as_of, branch_id):
    if not batch:
        return
    live = customer_figures(customer_ids=[row.customer_id for row in batch], as_of=as_of, branch_id=branch_id)
    for row in batch:
        for name, value in live.get(row.customer_id, {}).items():
            setattr(row, name, value)
        row.as_of_date = as_of
        yield row


def tenant_ar_as_of(*, as_of: datetime.date, branch_id: int | None = None) -> tuple[Decimal, Decimal]:
    """(AR, current AR) of the tenant at the end of `as_of`: Σ remaining (LCY) of entries open then,
    and of those not yet due (ledger.arithmetic: the balance as of a date); a controller's customers'
    within their scope; one branch's entries when `branch_id` is given."""
    ar, current, _ = tenant_balance_as_of(as_of=as_of, branch_id=branch_id)
    return ar, current


def tenant_balance_as_of(
    *,
    as_of: datetime.date,
    bands: list[AgingBand] | None = None,
    basis: str = AgingBasis.DUE_DATE,
    branch_id: int | None = None,
) -> tuple[Decimal, Decimal, dict[int, Decimal]]:
    """(AR, current AR, {band position: amount}) at the end of `as_of`, all from the same remaining
    amounts as of that date, so the bands add up to the AR wherever the tenant's bands cover every day."""
    remaining_lcy = arithmetic.remaining_lcy_from_taken_sql("e.amount", "e.amount_lcy", "m.taken")
    in_branch = "" if branch_id is None else "AND e.branch_id = %(branch)s"
    bands = bands or []
    basis_column = BASIS_COLUMN[AgingBasis(basis)].replace("e.", "")
    band_sums = "".join(
        f", COALESCE(SUM(remaining_lcy) FILTER (WHERE remaining_lcy <> 0 AND {band_condition(band, basis_column)}), 0)"
        for band in bands
    )
    # An entry's remaining amount as of the date is its stored one unless an application touching it was
    # posted, or undone, after the date ("late"): the open entries are read as they are, and only the
    # late ones are worked out from their applications (ledger.arithmetic), so the cost follows what moved
    # since the date, not the size of the ledger.
    late = """
        SELECT a.applying_entry_id AS entry_id FROM ledger_application a
         WHERE a.tenant_id = %(tenant)s AND (a.posting_date > %(as_of)s OR a.undone_on > %(as_of)s)
        UNION
        SELECT a.applied_entry_id FROM ledger_application a
         WHERE a.tenant_id = %(tenant)s AND (a.posting_date > %(as_of)s OR a.undone_on > %(as_of)s)
    """
    active = arithmetic.application_active_as_of_sql("a", "%(as_of)s")
    late_taken = f"""
        SELECT entry_id, sum(taken) AS taken FROM (
            SELECT a.applied_entry_id AS entry_id, a.amount AS taken FROM ledger_application a
             WHERE a.tenant_id = %(tenant)s AND {active} AND a.applied_entry_id IN (SELECT entry_id FROM late)
            UNION ALL
            SELECT a.applying_entry_id, -a.amount FROM ledger_application a
             WHERE a.tenant_id = %(tenant)s AND {active} AND a.applying_entry_id IN (SELECT entry_id FROM late)
        ) moved GROUP BY entry_id
    """
    scope = f"{customer_in_scope_sql('e.customer_id')} {in_branch}"
    remaining = f"""
        SELECT e.due_date, e.posting_date, e.document_date, e.remaining_amount_lcy AS remaining_lcy
          FROM {ENTRY} e
         WHERE e.tenant_id = %(tenant)s AND e.is_open AND e.posting_date <= %(as_of)s AND {scope}
           AND NOT EXISTS (SELECT 1 FROM late WHERE late.entry_id = e.id)
        UNION ALL
        SELECT e.due_date, e.posting_date, e.document_date, {remaining_lcy} AS remaining_lcy
          FROM {ENTRY} e
          JOIN late ON late.entry_id = e.id
          LEFT JOIN ({late_taken}) m ON m.entry_id = e.id
         WHERE e.tenant_id = %(tenant)s AND e.posting_date <= %(as_of)s AND {scope}
    """
    sql = f"""
        WITH late AS ({late}), remaining AS ({remaining})
        SELECT COALESCE(SUM(remaining_lcy), 0),
               COALESCE(SUM(remaining_lcy) FILTER (WHERE due_date >= %(as_of)s), 0){band_sums}
          FROM remaining
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tenant": current_tenant().pk, "as_of": as_of, "branch": branch_id})
        ar, current, *sums = cursor.fetchone()
    by_band = {
        band.position: Decimal(amount).quantize(CENT) for band, amount in zip(bands, sums, strict=True)
    }
    return Decimal(ar).quantize(CENT), Decimal(current).quantize(CENT), by_band


def credit_sales(*, after: datetime.date, until: datetime.date, branch_id: int | None = None) -> Decimal:
    """Net credit sales (LCY) posted in (after, until]: invoices less credit memos (within the scope; of
    one branch when `branch_id` is given)."""
    in_branch = "" if branch_id is None else "AND branch_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(amount_lcy), 0) FROM {ENTRY} WHERE tenant_id = %s "
            "AND document_type = ANY(%s) AND posting_date > %s AND posting_date <= %s "
            f"AND {customer_in_scope_sql('customer_id')} {in_branch}",
            [current_tenant().pk, list(CREDIT_SALES_TYPES), after, until]
            + ([] if branch_id is None else [branch_id]),
        )
        return Decimal(cursor.fetchone()[0]).quantize(CENT)


def _days(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)


def cei_for_month(
    *, month_start: datetime.date, as_of: datetime.date, branch_id: int | None = None
) -> Decimal | None:
    """Collection effectiveness index of the month starting `month_start`, up to `as_of`:
    (AR at start + credit sales − AR at end) ÷ (AR at start + credit sales − current AR at end) × 100."""
    ar_start, _ = tenant_ar_as_of(as_of=month_start - datetime.timedelta(days=1), branch_id=branch_id)
    ar_end, current_end = tenant_ar_as_of(as_of=as_of, branch_id=branch_id)
    sales = credit_sales(after=month_start - datetime.timedelta(days=1), until=as_of, branch_id=branch_id)
    denominator = ar_start + sales - current_end
    if denominator == 0:
        return None
    return _days((ar_start + sales - ar_end) / denominator * 100)


def tenant_kpis(*, as_of: datetime.date, branch_id: int | None = None) -> dict:
    """The tenant's KPIs as of a date: AR, overdue, aging totals, DSO, best possible DSO, ADD, CEI; from
    one branch's entries when `branch_id` is given (the branch context's dashboard)."""
    setup, _ = AgingSetup.objects.get_or_create(tenant=current_tenant())
    period = setup.dso_period_days
    bands = aging_bands()
    # AR, not due and the bands in one pass over the same amounts as of `as_of` (the stored band
    # figures are as of the last recalculation, which need not be that date).
    ar, current, by_band = tenant_balance_as_of(
        as_of=as_of, bands=bands, basis=setup.basis, branch_id=branch_id
    )
    sales = credit_sales(after=as_of - datetime.timedelta(days=period), until=as_of, branch_id=branch_id)
    dso = best = None
    if sales > 0:
        dso = _days(ar / sales * period)
        best = _days(current / sales * period)
    return {
        "date": as_of,
        "customers_count": CustomerStatistics.objects.count(),
        "total_ar_lcy": ar,
        "overdue_lcy": ar - current,
        "not_due_lcy": current,
        "band_totals_lcy": [
            {
                "position": band.position,
                "label": band.label,
                "amount_lcy": str(by_band[band.position]),
            }
            for band in bands
        ],
        "credit_sales_lcy": sales,
        "dso_period_days": period,
        "dso": dso,
        "best_possible_dso": best,
        "add": None if dso is None else dso - best,
        "cei_month_to_date": cei_for_month(
            month_start=as_of.replace(day=1), as_of=as_of, branch_id=branch_id
        ),
    }


def kpi_snapshot_on(*, date: datetime.date, branch_id: int | None = None) -> KpiSnapshot | None:
    """The snapshot the nightly job took on `date`, of the whole company or of one branch."""
    return KpiSnapshot.objects.filter(date=date, branch_id=branch_id).first()


def kpi_history(*, since: datetime.date | None = None, branch_id: int | None = None):
    """The daily snapshots: tenant-wide figures (or one branch's), so none within a controller's scope
    (whose other figures are their own customers'; a trend of everyone's beside them would read as theirs)."""
    if scoped_controller_id() is not None:
        return KpiSnapshot.objects.none()
    snapshots = KpiSnapshot.objects.filter(branch_id=branch_id).order_by("date")
    if since is not None:
        snapshots = snapshots.filter(date__gte=since)
    return snapshots


def cei_by_month(*, since: datetime.date | None = None, branch_id: int | None = None) -> list[dict]:
    """CEI per month, from the last snapshot taken in each month (the month's final CEI)."""
    months: dict[datetime.date, KpiSnapshot] = {}
    for snapshot in kpi_history(since=since, branch_id=branch_id):
        months[snapshot.date.replace(day=1)] = snapshot
    return [
        {"month": month, "cei": snapshot.cei_month_to_date, "as_of": snapshot.date}
        for month, snapshot in sorted(months.items())
    ]


def recalculation_runs():
    return RecalculationRun.objects.select_related("requested_by").order_by("-queued_at", "-id")


def recalculation_active():
    return recalculation_runs().filter(
        status__in=[RecalculationRun.Status.QUEUED, RecalculationRun.Status.RUNNING]
    )


def open_figures(*, as_of: datetime.date, branch_id: int | None = None, top: int = 10) -> dict:
    """The dashboard's figures read now from the open entries, aged as of `as_of` (a work date), of one
    branch if given: balance, overdue, customers overdue, each aging band, and the customers most
    overdue. The stored totals (`tenant_totals`) are the same figures as of today for every branch.

    A pass over the open entries (seconds at millions of them): kept per version of the statistics, which
    every posting changes (it marks its customers' statistics stale), like the stored totals."""
    name = f"open-figures:{as_of.isoformat()}:{branch_id}:{top}:{scoped_controller_id() or 'all'}"
    return cached(current_tenant(), name, lambda: _open_figures(as_of=as_of, branch_id=branch_id, top=top))


def _open_figures(*, as_of: datetime.date, branch_id: int | None, top: int) -> dict:
    setup, _ = AgingSetup.objects.get_or_create(tenant=current_tenant())
    bands = aging_bands()
    basis = BASIS_COLUMN[AgingBasis(setup.basis)]
    band_sums = ", ".join(
        f"COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE {band_condition(b, basis)}), 0)" for b in bands
    )
    params = {"tenant": current_tenant().pk, "branch": branch_id, "as_of": as_of, "top": top}
    in_scope = customer_in_scope_sql("e.customer_id")  # a controller's dashboard: their customers'
    in_branch = "" if branch_id is None else "AND e.branch_id = %(branch)s"
    per_customer = f"""
        SELECT e.customer_id, SUM(e.remaining_amount_lcy) AS balance,
               COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE e.due_date < %(as_of)s), 0) AS overdue
          FROM {ENTRY} e
         WHERE e.tenant_id = %(tenant)s AND e.is_open {in_branch} AND {in_scope}
         GROUP BY e.customer_id
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(e.remaining_amount_lcy), 0),
                   COALESCE(SUM(e.remaining_amount_lcy) FILTER (WHERE e.due_date < %(as_of)s), 0),
                   COUNT(DISTINCT e.customer_id) FILTER (WHERE e.due_date < %(as_of)s){", " if bands else ""}{band_sums}
              FROM {ENTRY} e
             WHERE e.tenant_id = %(tenant)s AND e.is_open {in_branch} AND {in_scope}
            """,
            params,
        )
        row = cursor.fetchone()
        cursor.execute(
            f"SELECT customer_id, balance, overdue FROM ({per_customer}) c WHERE overdue > 0 "
            "ORDER BY overdue DESC, customer_id LIMIT %(top)s",
            params,
        )
        top_rows = cursor.fetchall()
    customers = Customer.objects.in_bulk([r[0] for r in top_rows])
    return {
        "total_balance_lcy": row[0],
        "total_overdue_lcy": row[1],
        "overdue_customers": row[2],
        "bands": [{"label": b.label, "amount_lcy": amount} for b, amount in zip(bands, row[3:], strict=True)],
        "top_overdue": [
            {"customer": customers[c], "balance_lcy": balance, "overdue_balance_lcy": overdue}
            for c, balance, overdue in top_rows
        ],
    }


def _overdue_by_controller() -> dict:
    """{controller id: (overdue balance, overdue customers)} from the stored statistics."""
    return {
        row["customer__controller"]: (row["overdue"], row["customers"])
        for row in CustomerStatistics.objects.filter(overdue_balance_lcy__gt=0)
        .values("customer__controller")
        .annotate(overdue=Sum("overdue_balance_lcy"), customers=Count("customer_id"))
    }


def _overdue_by_controller_as_of(*, as_of: datetime.date, branch_id: int | None) -> dict:
    """{controller id: (overdue balance, overdue customers)} read now from the open entries as of `as_of`."""
    in_branch = "" if branch_id is None else "AND e.branch_id = %(branch)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.controller_id, SUM(o.overdue), COUNT(*)
              FROM (SELECT e.customer_id, SUM(e.remaining_amount_lcy) AS overdue
                      FROM {ENTRY} e
                     WHERE e.tenant_id = %(tenant)s AND e.is_open AND e.due_date < %(as_of)s {in_branch}
                       AND {customer_in_scope_sql("e.customer_id")}
                     GROUP BY e.customer_id) o
              JOIN {Customer._meta.db_table} c ON c.id = o.customer_id
             WHERE o.overdue > 0
             GROUP BY c.controller_id
            """,
            {"tenant": current_tenant().pk, "as_of": as_of, "branch": branch_id},
        )
        return {controller: (amount, count) for controller, amount, count in cursor.fetchall()}


def controller_overview(*, as_of: datetime.date | None = None, branch_id: int | None = None) -> list[dict]:
    """The manager's side-by-side view of the credit controllers: per controller, their customers' overdue
    balance (LCY) and overdue customers, their open to-dos (of which overdue at `as_of`) and the kept rate
    of the promises they took. Stored figures, or read now from the open entries when `as_of` is given (a
    work date or a branch context, like the dashboard's), of one branch's entries and customers if given;
    the kept rate is of every branch (a promise is the customer's, not a branch's)."""
    tenant = current_tenant()
    members = (
        Membership.objects.filter(tenant=tenant, role=Role.CONTROLLER)
        .select_related("user")
        .order_by("user__username")
    )
    if as_of is None:  # a pass over every overdue customer: once per version of the statistics
        overdue = cached(
            tenant, f"overdue-by-controller:{scoped_controller_id() or 'all'}", _overdue_by_controller
        )
    else:  # a pass over the open entries: likewise once per version of the statistics
        overdue = cached(
            tenant,
            f"overdue-by-controller:{as_of.isoformat()}:{branch_id}:{scoped_controller_id() or 'all'}",
            lambda: _overdue_by_controller_as_of(as_of=as_of, branch_id=branch_id),
        )
    today = as_of or tenant.today()
    todos = ToDo.objects.filter(status=ToDoStatus.OPEN)
    if branch_id is not None:
        todos = todos.filter(customers_in_branch_q(branch_id, prefix="customer__"))
    open_todos = {
        row["assigned_to"]: (row["open"], row["overdue"])
        for row in todos.values("assigned_to").annotate(
            open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today))
        )
    }
    kept = {row["id"]: row for row in promise_kept_rates(by="controller")}
    rows = []
    for member in members:
        amount, customers = overdue.get(member.user_id, (Decimal("0"), 0))
        todo_open, todo_overdue = open_todos.get(member.user_id, (0, 0))
        promises = kept.get(member.user_id)
        rows.append(
            {
                "controller": member.user,
                "overdue_balance_lcy": Decimal(amount).quantize(CENT),
                "overdue_customers": customers,
                "open_todos": todo_open,
                "overdue_todos": todo_overdue,
                "promises_kept": promises["kept"] if promises else 0,
                "promises_broken": promises["broken"] if promises else 0,
                "kept_rate": promises["kept_rate"] if promises else None,
            }
        )
    return rows
