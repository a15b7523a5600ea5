"""Recalculate All and Recalculate Entries: set-based refreshes of the stored credit statistics.

Both read each customer's `ledger_version` in the same statement that aggregates its ledger and write
`calculated_version` = that snapshot. A posting that commits while a run is in flight bumps
`ledger_version` past the snapshot, so its customer stays stale and the next Recalculate Entries
(scheduled by the posting itself) picks it up: nothing is lost. A write never replaces figures
computed from a newer snapshot (`calculated_version <= snapshot`).
"""

import concurrent.futures
import datetime
import functools
import itertools
import logging
import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from creditcontrol.errors import DomainError
from creditcontrol.models import Tenant
from creditcontrol.sql import ID_MAX
from creditcontrol.tenancy import current_tenant, tenant_context
from customers.models import Customer

from ..figures import FIGURE_COLUMNS, Chunk, customer_scope, figures_params, figures_sql
from ..models import AgingBand, AgingSetup, RecalculationRun
from .kpis import kpi_snapshot_take
from .setup import aging_setup_get
from .statistics import recalculate_entries_debounce_clear, statistics_rows_ensure

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]

# Advisory lock namespace (first key) for "a Recalculate All is running"; the second key is the tenant id.
RECALCULATE_ALL_LOCK = 7301
# Customer id ranges per connection of a Recalculate All (see _range_groups).
RANGES_PER_CONNECTION = 3
_LAST_ID = 2**63 - 1

_LOCK_SQL = """
    SELECT 1 FROM aging_customerstatistics s WHERE s.tenant_id = %(tenant)s {scope}
     ORDER BY s.customer_id FOR NO KEY UPDATE
"""
_SET_FIGURES = ",\n       ".join(f"{column} = f.{column}" for column in FIGURE_COLUMNS)
_WRITE_SQL = f"""
    UPDATE aging_customerstatistics s
       SET {_SET_FIGURES},
           calculated_version = f.snap_version, calculated_at = now(), as_of_date = %(as_of)s
      FROM {{source}} f
     WHERE s.customer_id = f.customer_id AND s.tenant_id = %(tenant)s {{narrow}}
       AND s.calculated_version <= f.snap_version
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


def _statistics_write(
    cursor, *, source: str, scope: str, params: dict, narrow_join: bool = False
) -> tuple[int, int]:
    """Write the figures of `source` (a table, or a parenthesised SELECT) to the statistics rows that
    `scope` narrows down to; return how many customers were written and how many entries their figures
    read.

    The rows are locked first, in customer order, and then written, in one transaction: two writes (the
    connections of a Recalculate All, a Recalculate Entries) may wait for one another, never deadlock.
    `narrow_join` repeats `scope` in the write's join: it keeps the hash of a range's rows small, but
    misleads the planner for a list of ids.
    """
    with transaction.atomic():
        cursor.execute(_LOCK_SQL.format(scope=scope), params)
        cursor.execute(
            f"WITH written AS ({_WRITE_SQL.format(source=source, narrow=scope if narrow_join else '')}) "
            "SELECT COUNT(*), COALESCE(SUM(entries_count), 0) FROM written",
            params,
        )
        customers, entries = cursor.fetchone()
    return int(customers), int(entries)


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
            as_of = tenant.today()
            _step(run, 2, "Giving new customers a statistics row", progress)
            statistics_rows_ensure()
            bands, basis = _bands_and_basis()
            params = figures_params(tenant_id=tenant.pk, as_of=as_of)
            # Other connections cannot see a caller's uncommitted transaction: then this one does it all.
            connections = 1 if in_transaction else max(1, settings.RECALCULATE_ALL_CONNECTIONS)
            groups = _range_groups(cursor, connections)
            ranges = sum(len(group) for group in groups)
            _step(
                run,
                5,
                f"Recalculating every customer as of {as_of:%Y-%m-%d}: "
                f"{ranges} customer ranges on {len(groups)} connection(s)",
                progress,
            )
            sql = functools.partial(figures_sql, bands=bands, basis=basis, restrict_to_ids=False)
            if len(groups) == 1:
                counts = [_ranges_write(cursor, groups[0], sql=sql, params=params, parallel_workers=True)]
            else:

                def done(finished: int) -> None:
                    percent = 5 + 85 * finished // len(groups)
                    _step(run, percent, f"{finished} of {len(groups)} connections done", progress)

                counts = _ranges_write_in_parallel(tenant, groups, sql=sql, params=params, done=done)
            run.customers_count = sum(customers for customers, _ in counts)
            run.entries_count = sum(entries for _, entries in counts)
            if trigger == "nightly":
                _step(run, 90, "Taking the KPI snapshot", progress)
                kpi_snapshot_take(as_of=as_of)
            _succeed(run, progress, took=f" in {time.monotonic() - started:.1f} s")
            return run
        except Exception as exc:
            _fail_quietly(run, exc)
            raise
        finally:
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])


def _range_groups(cursor, connections: int) -> list[list[Chunk]]:
    """The tenant's customers cut into id ranges of about as many customers each, then into one group of
    adjacent ranges per connection.

    Each range is one UNION ALL branch of its connection's statement (aging/figures.py); a few per
    connection keep each branch's sorts and joins small and in customer order.
    """
    count = connections * RANGES_PER_CONNECTION
    cursor.execute(
        "SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY customer_id) "
        "FROM aging_customerstatistics WHERE tenant_id = %s",
        [[i / count for i in range(1, count)], current_tenant().pk],
    )
    edges = [0, *sorted(set(cursor.fetchone()[0] or [])), _LAST_ID]
    chunks = list(itertools.pairwise(edges))
    size = -(-len(chunks) // connections)
    return [chunks[i : i + size] for i in range(0, len(chunks), size)]


def _ranges_write(
    cursor, chunks: list[Chunk], *, sql, params: dict, parallel_workers: bool
) -> tuple[int, int]:
    """Recalculate the customers of these adjacent id ranges into a temporary table (one statement, one
    snapshot, no locks), then write them.

    With `parallel_workers`, PostgreSQL shares the ranges out among its parallel workers (a Parallel
    Append: none may scan a part of a range, which would split customers and leave partial aggregates
    to combine); without, the connection is one of several working side by side and works alone.
    """
    name, value = (
        ("min_parallel_index_scan_size", "'1TB'")
        if parallel_workers
        else ("max_parallel_workers_per_gather", "0")
    )
    cursor.execute("SET jit = off")  # no JIT compile to pay for
    cursor.execute(f"SET {name} = {value}")
    try:
        cursor.execute("DROP TABLE IF EXISTS aging_fresh")
        cursor.execute(f"CREATE TEMP TABLE aging_fresh AS {sql(chunks=chunks)}", params)
        scope = customer_scope("s.customer_id", restrict_to_ids=False, chunk=(chunks[0][0], chunks[-1][1]))
        return _statistics_write(cursor, source="aging_fresh", scope=scope, params=params, narrow_join=True)
    finally:
        if not connection.needs_rollback:
            cursor.execute("DROP TABLE IF EXISTS aging_fresh")
            cursor.execute("RESET jit")
            cursor.execute(f"RESET {name}")


def _ranges_write_in_parallel(
    tenant, groups: list[list[Chunk]], *, sql, params: dict, done: Callable[[int], None]
) -> list[tuple[int, int]]:
    """Each group of ranges on its own connection, in its own thread, at the same time; `done` is called
    (in this thread) with the number finished after each one.

    A statement that writes runs in one PostgreSQL process, so this is how a whole-tenant refresh uses
    more than one core for the aggregate and the write alike. Each connection's statement reads its
    customers' ledger versions with their figures, so every row is consistent in itself.
    """

    def write(chunks: list[Chunk]) -> tuple[int, int]:
        try:
            with tenant_context(tenant), connection.cursor() as cursor:
                return _ranges_write(cursor, chunks, sql=sql, params=params, parallel_workers=False)
        finally:
            connection.close()  # the thread's own connection

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(groups)) as pool:
        futures = [pool.submit(write, group) for group in groups]
        for finished, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            future.result()  # the first failure fails the run (the others still finish first)
            done(finished)
        return [future.result() for future in futures]


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
    not_ids = [i for i in customer_ids if not str(i).isdigit() or int(i) > ID_MAX]
    if not_ids:
        raise DomainError(
            "Customers are given by their ids (whole numbers).",
            details={"customer_ids": [str(i) for i in not_ids]},
        )
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
        scope = customer_scope("s.customer_id", restrict_to_ids=True)
        with connection.cursor() as cursor:
            # The planner overestimates the rows a list of customers reaches, which would trigger JIT
            # compilation (~0.7 s) for a query that then runs in a fraction of that.
            cursor.execute("SET jit = off")
            try:
                run.customers_count, run.entries_count = _statistics_write(
                    cursor, source=source, scope=scope, params=params
                )
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
