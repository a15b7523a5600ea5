"""Benchmark of a chasing run's proposal on the generated tenant (slug "bench", 200,000 customers and
10,000,000 entries by default), called by `manage.py bench --only chasing`.

The proposal is set-based (`chasing.proposal`: one statement over the open entries, no loop over
customers or entries in Python). Printed beside a bare scan of the same open entries in the same run:
the first proposal (its tables' pages as the bench found them) and the best of three, each made by
`run_propose` in a transaction that is rolled back, over a ledger where a fifth of the open items have
reached level 1 twenty days ago, one in a hundred is queried, and one customer group is paused.
"""

import datetime
import time

from django.db import connection, transaction

from chasing.models import ChasingPolicy, ChasingRun
from chasing.services import chasing_seed_defaults, run_propose, run_start
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from customers.models import CustomerGroup
from interactions.models import StatusCode
from ledger.feeds import ledger_fed
from project.bench.recalculation import _bench_tenant

TARGET_SECONDS = 5.0

BARE_SCAN_SQL = """
    SELECT customer_id, currency_code, COUNT(*), SUM(remaining_amount), SUM(remaining_amount_lcy)
      FROM ledger_ledgerentry WHERE tenant_id = %s AND is_open GROUP BY customer_id, currency_code
"""


class _Rollback(Exception):
    pass


def _variety(tenant, cursor) -> None:
    """Items at level 1, queried items and a paused group, in the transaction rolled back after."""
    today = tenant.today()
    cursor.execute(
        """INSERT INTO chasing_entrychasing (tenant_id, entry_id, level, repeats, reminded_on)
           SELECT tenant_id, id, 1, 0, %s FROM ledger_ledgerentry
            WHERE tenant_id = %s AND is_open AND remaining_amount > 0 AND id %% 5 = 0""",
        [today - datetime.timedelta(days=20), tenant.pk],
    )
    queried, _ = StatusCode.objects.get_or_create(
        code="BENCH-Q", defaults={"queried": True, "exclude_from_chasing": True}
    )
    cursor.execute(
        "UPDATE ledger_ledgerentry SET status_code_id = %s WHERE tenant_id = %s AND is_open AND id %% 100 = 1",
        [queried.pk, tenant.pk],
    )
    group = CustomerGroup.objects.order_by("pk").first()
    if group is not None:
        cursor.execute(
            """INSERT INTO chasing_groupchasing (tenant_id, group_id, paused_until, pause_reason)
               VALUES (%s, %s, %s, 'bench') ON CONFLICT (group_id) DO NOTHING""",
            [tenant.pk, group.pk, today + datetime.timedelta(days=7)],
        )
    cursor.execute("ANALYZE chasing_entrychasing")


def _proposal(tenant) -> tuple[float, dict]:
    with transaction.atomic():
        run = run_start(as_of=tenant.today())
        started = time.perf_counter()
        run = run_propose(run.pk)
        took = time.perf_counter() - started
        counts = {
            "customers": run.customers,
            "proposed": run.proposed,
            "skipped": run.skipped,
            "lines": run.items,
        }
        with connection.cursor() as cursor:  # the first word of each reason: Paused, Stale, Overdue, ...
            cursor.execute(
                """SELECT split_part(reason, ' ', 1), COUNT(*) FROM chasing_reminder
                    WHERE run_id = %s AND status = 'skipped' GROUP BY 1 ORDER BY 2 DESC""",
                [run.pk],
            )
            counts["reasons"] = dict(cursor.fetchall())
        transaction.set_rollback(True)
    return took, counts


def run(stdout, *, customers: int, entries: int) -> dict:
    tenant = _bench_tenant(customers, entries, stdout)
    with tenant_context(tenant):
        chasing_seed_defaults()
        ChasingPolicy.objects.filter(is_default=True).update(minimum_overdue_lcy=0, contact_gap_days=7)
        ChasingRun.objects.filter(status__in=("proposing", "proposed", "sending")).update(status="finished")
    with app_connection(), tenant_context(tenant), connection.cursor() as cursor, transaction.atomic():
        ledger_fed()
        _variety(tenant, cursor)
        scans = []
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(BARE_SCAN_SQL, [tenant.pk])
            rows = len(cursor.fetchall())
            scans.append(time.perf_counter() - started)
        first, counts = _proposal(tenant)
        best = min([first] + [_proposal(tenant)[0] for _ in range(2)])
        transaction.set_rollback(True)
    scan = min(scans)
    stdout.write(
        f"chasing: bare scan of the open entries ({rows:,} customer-currency groups): {scan:.2f} s "
        f"(first {scans[0]:.2f} s)"
    )
    stdout.write(
        f"chasing: proposal for {customers:,} customers: first {first:.2f} s, best of three {best:.2f} s "
        f"= {best / scan:.1f}x the bare scan (target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if best < TARGET_SECONDS else 'MISSED'})"
    )
    stdout.write(
        f"chasing: {counts['customers']:,} customers with an item due, {counts['proposed']:,} reminders "
        f"proposed, {counts['skipped']:,} left out {counts['reasons']}, {counts['lines']:,} lines"
    )
    return {"scan": scan, "first": first, "best": best, **counts}
