"""Recalculate All and Recalculate Entries: set-based refreshes of the stored credit statistics.

Both read each customer's `ledger_version` in the same statement that aggregates its ledger and write
`calculated_version` = that snapshot. A posting that commits while a run is in flight bumps
`ledger_version` past the snapshot, so its customer stays stale and the next Recalculate Entries
(scheduled by the posting itself) picks it up: nothing is lost. A write never replaces figures
computed from a newer snapshot (`calculated_version <= snapshot`).
"""

import concurrent.futures
import contextlib
import dataclasses
import datetime
import functools
import itertools
import logging
import threading
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from creditcontrol.errors import DomainError
from creditcontrol.models import Tenant
from creditcontrol.sql import ID_MAX, transaction_failed
from creditcontrol.tenancy import current_tenant, tenant_context
from customers.models import Customer

from ..figures import FIGURE_COLUMNS, Chunk, customer_scope, figures_params, figures_sql
from ..models import AgingBand, AgingSetup, CustomerStatistics, RecalculationRun
from ..versions import statistics_changed
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

# A running run writes its heartbeat (`heartbeat_at`) with each progress step and, from a thread of its
# own, every HEARTBEAT_SECONDS in between (one statement of a Recalculate All may take minutes). A run
# whose heartbeat has not moved for STALLED_AFTER (ten missed beats) lost its worker.
HEARTBEAT_SECONDS = 30
STALLED_AFTER = datetime.timedelta(minutes=5)
# A queued run is taken by a worker within seconds; one that no worker started within QUEUED_LOST_AFTER
# never reached one (its message was lost) and is given up when the next run is requested.
QUEUED_LOST_AFTER = datetime.timedelta(minutes=5)
QUEUE_UNREACHABLE = "Could not queue the recalculation: the task queue is not reachable."

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
    run.progress, run.step, run.heartbeat_at = percent, step, timezone.now()
    RecalculationRun.objects.filter(pk=run.pk).update(
        progress=percent, step=step, heartbeat_at=run.heartbeat_at
    )
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
        statistics_changed(current_tenant())
    return int(customers), int(entries)


def _succeed(run: RecalculationRun, progress: Progress | None, *, took: str = "") -> None:
    run.step = f"Done: {run.customers_count:,} customers, {run.entries_count:,} entries"
    _finish(run, status=RecalculationRun.Status.SUCCEEDED, message=run.message)  # customers left stale
    if progress is not None:
        progress(f"100% {run.step}{took}")


def _local_time(moment: datetime.datetime) -> str:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(current_tenant().time_zone)).strftime("%H:%M")


def _stopped_message(run: RecalculationRun) -> str:
    last = run.heartbeat_at or run.started_at or run.queued_at
    return f"The worker running this stopped (no progress since {_local_time(last)})."


def _lost_message(run: RecalculationRun) -> str:
    minutes = int(QUEUED_LOST_AFTER.total_seconds() // 60)
    return (
        f"No worker started it within {minutes} minutes of being queued (at {_local_time(run.queued_at)}): "
        "it was lost."
    )


def _runs_fail(runs, *, status: str, message) -> int:
    """Fail each of these runs that still has `status` (a worker may have moved it meanwhile)."""
    failed = 0
    for run in runs:
        failed += RecalculationRun.objects.filter(pk=run.pk, status=status).update(
            status=RecalculationRun.Status.FAILED, finished_at=timezone.now(), message=message(run)
        )
    return failed


def recalculation_runs_settle(*, lost_queued: bool = False) -> int:
    """Fail the current tenant's runs whose worker is gone; return how many.

    A running run whose heartbeat has not moved for STALLED_AFTER: its worker died (killed, out of
    memory, the machine restarted). With `lost_queued` (when a new run is requested), also a queued run
    that no worker started within QUEUED_LOST_AFTER: its task never reached a worker. Called on every
    read of the runs (page, API), on every start, and every few minutes by beat.
    """
    now = timezone.now()
    running = RecalculationRun.objects.filter(status=RecalculationRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=now - STALLED_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__lt=now - STALLED_AFTER)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, queued_at__lt=now - STALLED_AFTER)
    )
    failed = _runs_fail(list(running), status=RecalculationRun.Status.RUNNING, message=_stopped_message)
    if lost_queued:
        queued = RecalculationRun.objects.filter(
            status=RecalculationRun.Status.QUEUED, queued_at__lt=now - QUEUED_LOST_AFTER
        )
        failed += _runs_fail(list(queued), status=RecalculationRun.Status.QUEUED, message=_lost_message)
    return failed


def _orphans_fail() -> None:
    """Fail active runs nobody is working on: lost or stalled ones, and a running Recalculate All whose
    advisory lock is free (its worker's session ended: it died), whatever its heartbeat says."""
    recalculation_runs_settle(lost_queued=True)
    tenant = current_tenant()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])
        if not cursor.fetchone()[0]:
            return  # a run holds the lock: it is alive
        try:
            running = RecalculationRun.objects.filter(kind=RecalculationRun.Kind.ALL, status="running")
            _runs_fail(list(running), status=RecalculationRun.Status.RUNNING, message=_stopped_message)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])


def _run_create(*, kind: str, status: str, trigger: str, user) -> RecalculationRun:
    fields = {"kind": kind, "status": status, "trigger": trigger, "requested_by": user}
    if status == RecalculationRun.Status.RUNNING:
        fields["started_at"] = fields["heartbeat_at"] = timezone.now()
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


def _run_claim(*, run_id: int, kind: str, locked: bool) -> RecalculationRun | None:
    """Move a queued run to running, for the task given its id; None if it is not queued any more.

    A task is delivered again when its worker died before acknowledging it (acks late), and Redis
    delivers it again after its visibility timeout even while it runs. Such a delivery must not change a
    run that finished (succeeded or failed stays as it is), nor one that another worker is running. With
    `locked` (the Recalculate All lock is ours), a run left "running" has no live worker: it is taken over.
    """
    now = timezone.now()
    runs = RecalculationRun.objects.filter(pk=run_id, kind=kind)
    claimed = runs.filter(status=RecalculationRun.Status.QUEUED).update(
        status=RecalculationRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed and locked:
        claimed = runs.filter(status=RecalculationRun.Status.RUNNING).update(
            started_at=now, heartbeat_at=now, progress=0, step=""
        )
    run = runs.first()
    if not claimed:
        logger.warning(
            "Recalculation %s is %s: this delivery of its task leaves it as it is",
            run_id,
            "missing" if run is None else run.status,
        )
        return None
    return run


def _run_start(*, run_id: int | None, kind: str, trigger: str, user, locked: bool = False):
    if run_id is None:
        return _run_create(kind=kind, status=RecalculationRun.Status.RUNNING, trigger=trigger, user=user)
    return _run_claim(run_id=run_id, kind=kind, locked=locked)


@contextlib.contextmanager
def _heartbeat(run: RecalculationRun):
    """Beat the run's heartbeat every HEARTBEAT_SECONDS, from a thread (and connection) of its own, while
    the block runs. Inside a caller's transaction nobody else can see the run, so there is no beat."""
    if connection.in_atomic_block:
        yield
        return
    tenant, stop = current_tenant(), threading.Event()

    def beat() -> None:
        try:
            with tenant_context(tenant):
                while not stop.wait(HEARTBEAT_SECONDS):
                    RecalculationRun.objects.filter(pk=run.pk, status=RecalculationRun.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
        except Exception:  # noqa: BLE001 - a missed beat must not fail the run
            logger.exception("The heartbeat of recalculation %s stopped", run.pk)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=beat, name=f"recalculation-{run.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _bands_and_basis() -> tuple[list[AgingBand], str]:
    return list(AgingBand.objects.order_by("position")), aging_setup_get().basis


def recalculate_all(
    *, trigger: str, user=None, progress: Progress | None = None, run_id: int | None = None
) -> RecalculationRun | None:
    """Refresh every customer of the current tenant in one set-based pass over its ledger.

    With `run_id` (the task of a queued run): None, and nothing changed, when that run is not queued any
    more (a task delivered again: see `_run_claim`).

    Never two at once for a tenant: a partial unique constraint on the run, and a session advisory lock
    while it works. Stored figures are as of the tenant's today (see docs/statistics.md). The nightly
    run also takes the day's KPI snapshot.
    """
    tenant = current_tenant()
    # Inside a caller's transaction the lock must end with it (a rollback could not unlock a session lock).
    in_transaction = connection.in_atomic_block
    lock = "pg_try_advisory_xact_lock" if in_transaction else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        # The lock comes before the run is marked running: a running run whose lock is free is dead.
        cursor.execute(f"SELECT {lock}(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])
        if not cursor.fetchone()[0]:
            return _lock_busy(run_id)
        try:
            run = _run_start(
                run_id=run_id, kind=RecalculationRun.Kind.ALL, trigger=trigger, user=user, locked=True
            )
            if run is None:
                return None
            with _heartbeat(run):
                return _recalculate_all_locked(
                    run, cursor, trigger=trigger, progress=progress, in_transaction=in_transaction
                )
        finally:
            if not in_transaction:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [RECALCULATE_ALL_LOCK, tenant.pk])


def _lock_busy(run_id: int | None) -> None:
    """Another session holds the Recalculate All lock: a run is alive. A queued run of ours cannot
    start (it fails); a delivery of the task for a run already running or finished leaves it alone."""
    if run_id is not None:
        refused = RecalculationRun.objects.filter(pk=run_id, status=RecalculationRun.Status.QUEUED).update(
            status=RecalculationRun.Status.FAILED,
            finished_at=timezone.now(),
            message="Another Recalculate All is running.",
        )
        if not refused:
            logger.warning(
                "Recalculation %s is not queued: this delivery of its task leaves it as it is", run_id
            )
            return None
    raise DomainError("A Recalculate All is already running for this company.", code="already_running")


def _recalculate_all_locked(
    run: RecalculationRun, cursor, *, trigger: str, progress: Progress | None, in_transaction: bool
) -> RecalculationRun:
    tenant = current_tenant()
    started = time.monotonic()
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
            counts = [
                _ranges_write_isolating(cursor, groups[0], sql=sql, params=params, parallel_workers=True)
            ]
        else:

            def done(finished: int) -> None:
                percent = 5 + 85 * finished // len(groups)
                _step(run, percent, f"{finished} of {len(groups)} connections done", progress)

            counts = _ranges_write_in_parallel(tenant, groups, sql=sql, params=params, done=done)
        written = _Written.total(counts)
        run.customers_count, run.entries_count = written.customers, written.entries
        run.message = _left_stale_message(written.failed)
        if trigger == "nightly":
            _step(run, 90, "Taking the KPI snapshot", progress)
            kpi_snapshot_take(as_of=as_of)
        _succeed(run, progress, took=f" in {time.monotonic() - started:.1f} s")
        return run
    except Exception as exc:
        _fail_quietly(run, exc)
        raise


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


# How the figures statement is planned, whatever the planner believes of the tables:
# - No nested loops. The statement merges streams that are each in customer order (three aggregates and
#   the statistics rows, aging/figures.py); merge and hash joins read each once. The planner picks a
#   nested loop when it believes a range holds a customer or two, which is what it believes of a table
#   just loaded and not yet analysed, and then re-runs each aggregate once per customer: 10,000 customers
#   took 135 s instead of 0.6 s (docs/benchmarks.md). Each statement reads each row of its customers
#   once, or not at all, with these plans; none can turn quadratic.
# - No JIT: the same wrong belief (or an overestimate) would compile for ~0.7 s a query that runs in less.
_FIGURES_PLANNER = {"enable_nestloop": "off", "jit": "off"}


@contextlib.contextmanager
def _planner_set(cursor, planner: dict[str, str]) -> Iterator[None]:
    """Planner settings for the statements of the block, on this connection (put back afterwards)."""
    for name, value in planner.items():
        cursor.execute(f"SET {name} = {value}")
    try:
        yield
    finally:
        if not transaction_failed(connection):  # else its rollback puts them back
            for name in planner:
                cursor.execute(f"RESET {name}")


# What one customer's data can make a statement fail with (a value out of range, a broken constraint):
# that customer is left stale, with the reason on the run, and the others are written. Anything else
# (the connection lost, a cancelled statement, a bug) fails the run as before.
_CUSTOMER_ERRORS = (DataError, IntegrityError)
_STALE_LISTED = 10


@dataclasses.dataclass
class _Written:
    customers: int = 0
    entries: int = 0
    failed: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (customer id, error)

    @classmethod
    def total(cls, parts: "Iterable[_Written]") -> "_Written":
        total = cls()
        for part in parts:
            total.customers += part.customers
            total.entries += part.entries
            total.failed += part.failed
        return total


def _isolating(cursor, part, *, write, halves, customer) -> _Written:
    """`write(cursor, part)` in a transaction of its own; when one customer's data makes it fail, the
    part is halved (`halves(cursor, part)`) and each half written the same way, down to the customer
    (`customer(part)`, when `halves` gives nothing), who is left out with the error. A good run pays for
    nothing of this but one savepoint per part; a bad customer costs about log2(customers) retries."""
    try:
        with transaction.atomic():
            customers, entries = write(cursor, part)
        return _Written(customers, entries)
    except _CUSTOMER_ERRORS as exc:
        parts = halves(cursor, part)
        if not parts:
            failed = customer(part)
            logger.warning("Recalculation left customer %s stale: %s", failed, exc)
            return _Written(failed=[(failed, str(exc).strip().splitlines()[0])])
        return _Written.total(
            _isolating(cursor, half, write=write, halves=halves, customer=customer) for half in parts
        )


def _range_halves(cursor, chunks: list[Chunk]) -> list[list[Chunk]]:
    """Adjacent ranges in two groups; one range in two ranges of about as many customers; one customer
    in none."""
    if len(chunks) > 1:
        middle = len(chunks) // 2
        return [chunks[:middle], chunks[middle:]]
    ((low, high),) = chunks
    cursor.execute(
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY customer_id), COUNT(*) "
        "FROM aging_customerstatistics WHERE tenant_id = %s AND customer_id > %s AND customer_id <= %s",
        [current_tenant().pk, low, high],
    )
    middle, count = cursor.fetchone()
    return [[(low, middle)], [(middle, high)]] if count > 1 else []


def _range_customer(chunks: list[Chunk]) -> int:
    """The one customer of a range that `_range_halves` cannot split."""
    ((low, high),) = chunks
    return (
        CustomerStatistics.objects.filter(customer_id__gt=low, customer_id__lte=high)
        .values_list("customer_id", flat=True)
        .get()
    )


def _left_stale_message(failed: list[tuple[int, str]]) -> str:
    """What the run says of the customers it could not recalculate (they keep their stale figures)."""
    if not failed:
        return ""
    codes = dict(Customer.objects.filter(pk__in=[pk for pk, _ in failed]).values_list("pk", "code"))
    listed = "; ".join(f"{codes.get(pk, pk)}: {error}" for pk, error in failed[:_STALE_LISTED])
    more = f"; and {len(failed) - _STALE_LISTED} more" if len(failed) > _STALE_LISTED else ""
    return (
        f"{len(failed)} customer{'s' if len(failed) > 1 else ''} could not be recalculated and "
        f"{'keep' if len(failed) > 1 else 'keeps'} the figures of before (still stale): {listed}{more}"
    )


def _ranges_write_isolating(
    cursor, chunks: list[Chunk], *, sql, params: dict, parallel_workers: bool
) -> _Written:
    """`_ranges_write`, one bad customer leaving only itself out (`_isolating`)."""

    def write(cursor, part: list[Chunk]) -> tuple[int, int]:
        return _ranges_write(cursor, part, sql=sql, params=params, parallel_workers=parallel_workers)

    return _isolating(cursor, chunks, write=write, halves=_range_halves, customer=_range_customer)


def _ranges_write(
    cursor, chunks: list[Chunk], *, sql, params: dict, parallel_workers: bool
) -> tuple[int, int]:
    """Recalculate the customers of these adjacent id ranges into a temporary table (one statement, one
    snapshot, no locks), then write them.

    With `parallel_workers`, PostgreSQL shares the ranges out among its parallel workers (a Parallel
    Append: none may scan a part of a range, which would split customers and leave partial aggregates
    to combine); without, the connection is one of several working side by side and works alone.
    """
    planner = {
        **_FIGURES_PLANNER,
        **(
            {"min_parallel_index_scan_size": "'1TB'"}
            if parallel_workers
            else {"max_parallel_workers_per_gather": "0"}
        ),
    }
    with _planner_set(cursor, planner):
        cursor.execute("DROP TABLE IF EXISTS aging_fresh")
        try:
            cursor.execute(f"CREATE TEMP TABLE aging_fresh AS {sql(chunks=chunks)}", params)
            scope = customer_scope(
                "s.customer_id", restrict_to_ids=False, chunk=(chunks[0][0], chunks[-1][1])
            )
            return _statistics_write(
                cursor, source="aging_fresh", scope=scope, params=params, narrow_join=True
            )
        finally:
            if not transaction_failed(connection):  # else its rollback drops it
                cursor.execute("DROP TABLE IF EXISTS aging_fresh")


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
                return _ranges_write_isolating(cursor, chunks, sql=sql, params=params, parallel_workers=False)
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
    cost follows what changed. Returns the run, or None when nothing was stale (no run recorded) or
    the queued run `run_id` is not queued any more (a task delivered again: nothing changed).
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
    if run is None:
        return None
    try:
        with _heartbeat(run):
            _entries_write(run, ids, progress)
        _succeed(run, progress)
        return run
    except Exception as exc:
        _fail_quietly(run, exc)
        raise


def _entries_write(run: RecalculationRun, ids: list[int], progress: Progress | None) -> None:
    tenant = current_tenant()
    as_of = tenant.today()
    bands, basis = _bands_and_basis()
    _step(run, 10, f"Recalculating {len(ids):,} customers as of {as_of:%Y-%m-%d}", progress)
    source = f"({figures_sql(bands=bands, basis=basis, restrict_to_ids=True)})"
    scope = customer_scope("s.customer_id", restrict_to_ids=True)

    def write(cursor, part: list[int]) -> tuple[int, int]:
        params = figures_params(tenant_id=tenant.pk, as_of=as_of, ids=part)
        return _statistics_write(cursor, source=source, scope=scope, params=params)

    def halves(cursor, part: list[int]) -> list[list[int]]:
        middle = len(part) // 2
        return [part[:middle], part[middle:]] if middle else []

    with connection.cursor() as cursor, _planner_set(cursor, _FIGURES_PLANNER):
        written = _isolating(cursor, sorted(ids), write=write, halves=halves, customer=lambda part: part[0])
    run.customers_count, run.entries_count = written.customers, written.entries
    run.message = _left_stale_message(written.failed)


def _queue_reachable(app) -> bool:
    """Whether the broker answers now (always, when tasks run in-process)."""
    if app.conf.task_always_eager:
        return True
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0)
    except (BrokerError, OSError):
        logger.warning("The task queue is not reachable", exc_info=True)
        return False
    return True


def _queue_failed(run_id: int) -> None:
    RecalculationRun.objects.filter(pk=run_id, status=RecalculationRun.Status.QUEUED).update(
        status=RecalculationRun.Status.FAILED, finished_at=timezone.now(), message=QUEUE_UNREACHABLE
    )


def _publish(task, run: RecalculationRun, kwargs: dict) -> None:
    """Send the run's task (after the caller's commit); if the broker refuses it, the run fails with a
    clear message instead of staying queued (and blocking the next Recalculate All)."""
    app, tenant = task.app, current_tenant()

    def send() -> None:
        try:
            if app.conf.task_always_eager:
                task.apply_async(kwargs=kwargs)  # runs here and now: nothing to send
                return
            # a connection of its own, so that the broker is the one configured now
            with app.connection_for_write() as broker:
                task.apply_async(kwargs=kwargs, connection=broker)
        except (BrokerError, OSError):
            logger.exception("Could not queue recalculation %s", run.pk)
            with tenant_context(tenant):
                _queue_failed(run.pk)

    transaction.on_commit(send)


def recalculation_start(
    *, kind: str, user=None, customer_ids=None, trigger: str = "manual"
) -> RecalculationRun:
    """Queue a recalculation for a Celery worker (sent when the caller's transaction commits).

    The run row and its task go together: when the broker is not reachable the run is failed at once
    with QUEUE_UNREACHABLE and a DomainError (code "queue_unavailable", details {"run": id}) says so;
    the failed run stays (callers answer without rolling back). Should the send fail after the commit
    all the same, the run is failed with the same message.
    """
    from aging.tasks import recalculate_all_task, recalculate_entries_task

    if kind not in RecalculationRun.Kind.values:
        raise DomainError(f"Unknown recalculation '{kind}'.", details={"kind": ["Use 'all' or 'entries'."]})
    ids = (
        None
        if customer_ids is None or kind == RecalculationRun.Kind.ALL
        else _customer_ids_check(customer_ids)
    )
    recalculation_runs_settle(lost_queued=True)
    run = _run_create(kind=kind, status=RecalculationRun.Status.QUEUED, trigger=trigger, user=user)
    task = recalculate_all_task if kind == RecalculationRun.Kind.ALL else recalculate_entries_task
    if not _queue_reachable(task.app):
        _queue_failed(run.pk)
        run.refresh_from_db()
        raise DomainError(QUEUE_UNREACHABLE, details={"run": run.pk}, code="queue_unavailable")
    kwargs = {
        "tenant_id": current_tenant().pk,
        "run_id": run.pk,
        "trigger": trigger,
        "user_id": getattr(user, "pk", None),
    }
    if kind == RecalculationRun.Kind.ENTRIES:
        kwargs["customer_ids"] = ids
    _publish(task, run, kwargs)
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
