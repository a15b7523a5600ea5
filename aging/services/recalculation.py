"""Recalculate All and Recalculate Entries: set-based refreshes of the stored credit statistics.

Both read each customer's `ledger_version` in the same statement that aggregates its ledger and write
`calculated_version` = that snapshot. A posting that commits while a run is in flight bumps
`ledger_version` past the snapshot, so its customer stays stale and the next Recalculate Entries
(scheduled by the posting itself) picks it up: nothing is lost. A write never replaces figures
computed from a newer snapshot (`calculated_version <= snapshot`).
"""

import datetime
import itertools
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from creditcontrol.errors import DomainError
from creditcontrol.models import Tenant
from creditcontrol.tenancy import current_tenant, tenant_context
from customers.models import Customer

from ..figures import FIGURE_COLUMNS, Chunk, figures_params, figures_sql
from ..models import AgingBand, AgingSetup, RecalculationRun
from .setup import aging_setup_get
from .statistics import recalculate_entries_debounce_clear, statistics_rows_ensure

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Advisory lock namespace (first key) for "a Recalculate All is running"; the second key is the tenant id.
RECALCULATE_ALL_LOCK = 7301
RECALCULATE_ALL_WORK_MEM = "256MB"
_LAST_ID = 2**63 - 1

_SET_FIGURES = ",\n       ".join(f"{column} = f.{column}" for column in FIGURE_COLUMNS)
_WRITE_SQL = f"""
    UPDATE aging_customerstatistics s
       SET {_SET_FIGURES},
           calculated_version = f.snap_version, calculated_at = now(), as_of_date = %(as_of)s
      FROM {{source}} f
     WHERE s.customer_id = f.customer_id AND s.tenant_id = %(tenant)s AND s.calculated_version <= f.snap_version
 RETURNING f.entries_count
"""


def _step(run: RecalculationRun, percent: int, step: str, progress: Progress | None) -> None:
    run.progress, run.step = percent, step
    RecalculationRun.objects.filter(pk=run.pk).update(progress=percent, step=step)
    if progress is not None:
        progress(f"{percent:3d}% {step}")


def _finish(run: RecalculationRun, *, status: str, message: str = "") -> None:
    run.status, run.finished_at, run.message = status, timezone.now(), message
    if status == RecalculationRun.Status.SUCCEEDED:
        run.progress = 100
    run.save(
        update_fields=[
            "status",
            "finished_at",
            "message",
            "progress",
            "step",
            "customers_count",
            "entries_count",
        ]
    )


def _statistics_write(cursor, run: RecalculationRun, *, source: str, params: dict) -> None:
    """Write the figures of `source` (a table or a parenthesised SELECT) and count what was written."""
    cursor.execute(
        f"WITH written AS ({_WRITE_SQL.format(source=source)}) "
        "SELECT COUNT(*), COALESCE(SUM(entries_count), 0) FROM written",
        params,
    )
    run.customers_count, run.entries_count = (int(n) for n in cursor.fetchone())


def _succeed(run: RecalculationRun, progress: Progress | None, *, took: str = "") -> None:
    run.step = f"Done: {run.customers_count:,} customers, {run.entries_count:,} entries"
    _finish(run, status=RecalculationRun.Status.SUCCEEDED)
    if progress is not None:
        progress(f"100% {run.step}{took}")


def _orphans_fail() -> None:
    """Fail active Recalculate All runs nobody is working on (a worker died, or its task was lost)."""
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])
        if not cursor.fetchone()[0]:
            return  # a run holds the lock: it is alive
        try:
            lost_before = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
            RecalculationRun.objects.filter(kind=RecalculationRun.Kind.ALL, status="running").update(
                status="failed", finished_at=timezone.now(), message="The worker running it stopped."
            )
            RecalculationRun.objects.filter(
                kind=RecalculationRun.Kind.ALL, status="queued", queued_at__lt=lost_before
            ).update(status="failed", finished_at=timezone.now(), message="It was never started.")
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])


def _run_create(*, kind: str, status: str, trigger: str, user) -> RecalculationRun:
    fields = {"kind": kind, "status": status, "trigger": trigger, "requested_by": user}
    if status == RecalculationRun.Status.RUNNING:
        fields["started_at"] = timezone.now()
    try:
        with transaction.atomic():
            return RecalculationRun.objects.create(**fields)
    except IntegrityError:
        pass
    _orphans_fail()
    try:
        with transaction.atomic():
            return RecalculationRun.objects.create(**fields)
    except IntegrityError:
        raise DomainError(
            "A Recalculate All is already queued or running for this company.", code="already_running"
        ) from None


def _run_start(*, run_id: int | None, kind: str, trigger: str, user) -> RecalculationRun:
    if run_id is None:
        return _run_create(kind=kind, status=RecalculationRun.Status.RUNNING, trigger=trigger, user=user)
    run = RecalculationRun.objects.get(pk=run_id, kind=kind)
    run.status, run.started_at = RecalculationRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    return run


def _bands_and_basis() -> tuple[list[AgingBand], str]:
    return list(AgingBand.objects.order_by("position")), aging_setup_get().basis


def recalculate_all(
    *, trigger: str, user=None, progress: Progress | None = None, run_id: int | None = None
) -> RecalculationRun:
    """Refresh every customer of the current tenant in one set-based pass over its ledger.

    Never two at once for a tenant: a partial unique constraint on the run, and a session advisory lock
    while it works. Stored figures are as of the tenant's today (see docs/statistics.md). The nightly
    run also takes the day's KPI snapshot.
    """
    tenant = current_tenant()
    run = _run_start(run_id=run_id, kind=RecalculationRun.Kind.ALL, trigger=trigger, user=user)
    started = time.monotonic()
    # Inside a caller's transaction the lock must end with it (a rollback could not unlock a session lock).
    in_transaction = connection.in_atomic_block
    lock = "pg_try_advisory_xact_lock" if in_transaction else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {lock}(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])
        if not cursor.fetchone()[0]:
            _finish(run, status=RecalculationRun.Status.FAILED, message="Another Recalculate All is running.")
            raise DomainError(
                "A Recalculate All is already running for this company.", code="already_running"
            )
        try:
            # No JIT compile to pay for. The ledger's partial indexes are read whole, one customer range
            # per parallel worker (a Parallel Append); a parallel scan *within* one of them would cut
            # customers in two and make PostgreSQL combine partial aggregates (see aging/figures.py).
            cursor.execute(f"SET work_mem = '{RECALCULATE_ALL_WORK_MEM}'")
            cursor.execute("SET jit = off")
            cursor.execute("SET min_parallel_index_scan_size = '1TB'")
            as_of = tenant.today()
            _step(run, 2, "Giving new customers a statistics row", progress)
            statistics_rows_ensure()
            bands, basis = _bands_and_basis()
            _step(run, 5, f"Aggregating the ledger as of {as_of:%Y-%m-%d} (one pass)", progress)
            params = figures_params(tenant_id=tenant.pk, as_of=as_of)
            cursor.execute("DROP TABLE IF EXISTS aging_fresh")
            sql = figures_sql(
                bands=bands, basis=basis, restrict_to_ids=False, chunks=_customer_chunks(cursor)
            )
            cursor.execute(f"CREATE TEMP TABLE aging_fresh AS {sql}", params)
            _step(run, 70, "Writing the statistics", progress)
            _statistics_write(cursor, run, source="aging_fresh", params=params)
            if trigger == "nightly":
                from .kpis import kpi_snapshot_take

                _step(run, 90, "Taking the KPI snapshot", progress)
                kpi_snapshot_take(as_of=as_of)
            _succeed(run, progress, took=f" in {time.monotonic() - started:.1f} s")
            return run
        except Exception as exc:
            _fail_quietly(run, exc)
            raise
        finally:
            if not connection.needs_rollback:
                cursor.execute("DROP TABLE IF EXISTS aging_fresh")
                cursor.execute("RESET work_mem")
                cursor.execute("RESET jit")
                cursor.execute("RESET min_parallel_index_scan_size")
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])


def _customer_chunks(cursor) -> list[Chunk]:
    """Customer id ranges holding about as many of the tenant's customers each: two for each process
    PostgreSQL can aggregate with (its parallel workers and the leader), so that an uneven range does
    not leave a process idle."""
    cursor.execute("SHOW max_parallel_workers_per_gather")
    count = 2 * (int(cursor.fetchone()[0]) + 1)
    cursor.execute(
        "SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY customer_id) "
        "FROM aging_customerstatistics WHERE tenant_id = %s",
        [[i / count for i in range(1, count)], current_tenant().pk],
    )
    inner = sorted(set(cursor.fetchone()[0] or []))
    edges = [0, *inner, _LAST_ID]
    return list(itertools.pairwise(edges))


def _fail_quietly(run: RecalculationRun, exc: Exception) -> None:
    logger.exception("Recalculation %s failed", run.pk)
    if connection.needs_rollback:
        return  # inside a broken transaction: the run row rolls back with it anyway
    try:
        _finish(run, status=RecalculationRun.Status.FAILED, message=str(exc)[:2000])
    except Exception:  # noqa: BLE001 - recording the failure must not hide the failure itself
        logger.exception("Could not record the failure of recalculation %s", run.pk)


def _stale_customer_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id FROM aging_customerstatistics "
            "WHERE tenant_id = %s AND calculated_version < ledger_version",
            [current_tenant().pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _customer_ids_check(customer_ids) -> list[int]:
    ids = sorted({int(i) for i in customer_ids})
    known = set(Customer.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise DomainError("No such customer.", details={"customer_ids": unknown}, code="not_found")
    return ids


def recalculate_entries(
    *,
    trigger: str,
    customer_ids=None,
    user=None,
    progress: Progress | None = None,
    run_id: int | None = None,
) -> RecalculationRun | None:
    """Refresh the customers whose ledger changed since their last calculation (or the ones given).

    One statement reads the changed customers' entries through the ledger's customer index, so the
    cost follows what changed. Returns the run, or None when nothing was stale (no run recorded).
    """
    tenant = current_tenant()
    if customer_ids is None:
        recalculate_entries_debounce_clear(tenant.pk)  # before reading: later postings schedule anew
        ids = _stale_customer_ids()
        if not ids and run_id is None:
            return None
    else:
        ids = _customer_ids_check(customer_ids)
        statistics_rows_ensure(customer_ids=ids)
    run = _run_start(run_id=run_id, kind=RecalculationRun.Kind.ENTRIES, trigger=trigger, user=user)
    try:
        as_of = tenant.today()
        bands, basis = _bands_and_basis()
        _step(run, 10, f"Recalculating {len(ids):,} customers as of {as_of:%Y-%m-%d}", progress)
        params = figures_params(tenant_id=tenant.pk, as_of=as_of, ids=ids)
        source = f"({figures_sql(bands=bands, basis=basis, restrict_to_ids=True)})"
        with connection.cursor() as cursor:
            # The planner overestimates the rows a list of customers reaches, which would trigger JIT
            # compilation (~0.7 s) for a query that then runs in a fraction of that.
            cursor.execute("SET jit = off")
            try:
                _statistics_write(cursor, run, source=source, params=params)
            finally:
                if not connection.needs_rollback:
                    cursor.execute("RESET jit")
        _succeed(run, progress)
        return run
    except Exception as exc:
        _fail_quietly(run, exc)
        raise


def recalculation_start(
    *, kind: str, user=None, customer_ids=None, trigger: str = "manual"
) -> RecalculationRun:
    """Queue a recalculation for a Celery worker (after the caller's transaction commits)."""
    from aging.tasks import recalculate_all_task, recalculate_entries_task

    tenant = current_tenant()
    if kind == RecalculationRun.Kind.ALL:
        run = _run_create(kind=kind, status=RecalculationRun.Status.QUEUED, trigger=trigger, user=user)
        transaction.on_commit(
            lambda: recalculate_all_task.delay(
                tenant_id=tenant.pk, run_id=run.pk, trigger=trigger, user_id=getattr(user, "pk", None)
            )
        )
        return run
    if kind != RecalculationRun.Kind.ENTRIES:
        raise DomainError(f"Unknown recalculation '{kind}'.", details={"kind": ["Use 'all' or 'entries'."]})
    ids = None if customer_ids is None else _customer_ids_check(customer_ids)
    run = _run_create(kind=kind, status=RecalculationRun.Status.QUEUED, trigger=trigger, user=user)
    transaction.on_commit(
        lambda: recalculate_entries_task.delay(
            tenant_id=tenant.pk,
            run_id=run.pk,
            customer_ids=ids,
            trigger=trigger,
            user_id=getattr(user, "pk", None),
        )
    )
    return run


def nightly_recalculations_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Claim today's nightly run for every tenant whose local time has passed its configured time.

    The claim is a conditional update of `last_nightly_run_on`, so two dispatchers cannot both start
    a tenant's night. Loops over tenants (a handful), never over customers.
    """
    import zoneinfo

    now = now or timezone.now()
    due = []
    for tenant in Tenant.objects.order_by("pk"):
        local = now.astimezone(zoneinfo.ZoneInfo(tenant.time_zone))
        with tenant_context(tenant):
            setup = aging_setup_get()
            if local.time() < setup.nightly_recalculation_time or setup.last_nightly_run_on == local.date():
                continue
            claimed = (
                AgingSetup.objects.filter(pk=setup.pk)
                .exclude(last_nightly_run_on=local.date())
                .update(last_nightly_run_on=local.date())
            )
            if claimed:
                due.append(tenant.pk)
    return due
