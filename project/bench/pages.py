"""Benchmark of page server time on the generated "bench" tenant, called by `manage.py bench --only pages`.

Requests each page in-process through django.test.Client as a manager (middleware, view, queries and
template rendering, no network or browser): a few warm-ups, then REPEAT timed requests; prints the median
and the 95th percentile in ms against the product's target (p95 under 150 ms). The bench tenant is the
one of aging.bench (seeded once per size and reused); its statistics are recalculated first if any are
stale or were never calculated, since the pages read them.

Among them: the credit list opened on the bench user's default saved view, and the dashboard, credit list
and ledger entries with a branch context (set in the client's session, as the branch bar sets it).

Run it with settings that accept the test client's host (creditcontrol.settings.local: ALLOWED_HOSTS *).
`--explain` (PAGES_EXPLAIN=1) prints EXPLAIN ANALYZE of the slowest queries of every page over target.
"""

import os
import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from aging import services
from aging.models import KpiSnapshot
from creditcontrol.branch import session_key
from creditcontrol.models import Membership, Role
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from workspace import saved_views

from .recalculation import _bench_tenant

TARGET_MS = 150.0
# A page whose first request takes longer than this is reported from that one request, not timed 30 times.
HOPELESS_MS = 10_000.0
WARMUPS = 3
REPEAT = 30
USERNAME = "bench-manager"
# The bench user's saved view of the credit list, its default: the list opens with it when asked bare.
SAVED_VIEW = (
    "overdue over 60",
    "account_status=overdue&avg_days_overdue_open__gt=60&controller=&sort=-overdue",
)


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (p95 of 30 values is the 29th smallest)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil
    return ordered[int(rank) - 1]


def _statistics_ready(tenant) -> tuple[int, int]:
    """How many statistics rows of the tenant are stale (or never calculated), and how many are missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM aging_customerstatistics WHERE tenant_id = %s "
            "AND (calculated_version < ledger_version OR calculated_at IS NULL)",
            [tenant.pk],
        )
        stale = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM customers_customer c WHERE c.tenant_id = %s AND NOT EXISTS "
            "(SELECT 1 FROM aging_customerstatistics s WHERE s.customer_id = c.id)",
            [tenant.pk],
        )
        missing = cursor.fetchone()[0]
    return stale, missing


def _pages(tenant) -> list[tuple[str, str, int | None]]:
    """(label, URL, branch context) of the pages measured, with a busy customer and a busy branch of the
    bench tenant; a branch context is set in the client's session as the branch bar sets it."""
    with connection.cursor() as cursor:
        # The customer with the most entries (by the open-entry index: cheap), then its branch.
        cursor.execute(
            """
            SELECT customer_id FROM ledger_ledgerentry
             WHERE tenant_id = %s AND is_open GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1
            """,
            [tenant.pk],
        )
        customer_id = cursor.fetchone()[0]
        cursor.execute(
            "SELECT branch_id FROM customers_customer WHERE tenant_id = %s AND branch_id IS NOT NULL "
            "GROUP BY branch_id ORDER BY COUNT(*) DESC, branch_id LIMIT 1",
            [tenant.pk],
        )
        branch_id = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM ledger_ledgerentry WHERE customer_id = %s", [customer_id])
        customer_entries = cursor.fetchone()[0]
    base = f"/t/{tenant.slug}"
    return [
        ("credit list, first page by overdue", f"{base}/customers/credit/?controller=&sort=-overdue", None),
        (
            "credit list, filtered (branch, overdue, by balance, page 3)",
            f"{base}/customers/credit/?controller=&branch={branch_id}&account_status=overdue&sort=-balance&page=3",
            None,
        ),
        (
            f'credit list, saved view "{SAVED_VIEW[0]}" (the default: opened bare)',
            f"{base}/customers/credit/",
            None,
        ),
        (
            f"credit list, branch context {branch_id}",
            f"{base}/customers/credit/?controller=&sort=-overdue",
            branch_id,
        ),
        (f"customer card ({customer_entries:,} entries)", f"{base}/customers/{customer_id}/", None),
        ("dashboard", f"{base}/", None),
        (f"dashboard, branch context {branch_id}", f"{base}/", branch_id),
        ("ledger entries of that customer, open", f"{base}/ledger/?customer={customer_id}&open=true", None),
        (f"ledger entries, branch context {branch_id}", f"{base}/ledger/", branch_id),
        ("balance due report", f"{base}/customers/balance-due/", None),
    ]


def _bench_user(tenant):
    """The bench manager, a member of the bench tenant with its saved view (called in the tenant)."""
    user, created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"first_name": "Bench", "email": "bench-manager@example.com"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    membership, _ = Membership.objects.update_or_create(
        user=user, tenant=tenant, defaults={"role": Role.MANAGER}
    )
    saved_views.saved_view_save(membership=membership, name=SAVED_VIEW[0], query=SAVED_VIEW[1], default=True)
    return user


def _client(tenant, user, branch_id: int | None) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[session_key(tenant.pk)] = branch_id  # as the branch bar chooses (creditcontrol.branch)
    session.save()
    return client


def _get(client: Client, label: str, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"pages: {label}: GET {url} answered {response.status_code}, not 200")
    return response


def _explain(client: Client, label: str, url: str, stdout, top: int = 3) -> None:
    """EXPLAIN ANALYZE the slowest queries of one request (run again for the plan)."""
    with CaptureQueriesContext(connection) as captured:
        _get(client, label, url)
    queries = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)
    total = sum(float(q["time"]) for q in queries)
    stdout.write(f"  {len(queries)} queries, {total * 1000:.0f} ms in the database; slowest:")
    for query in queries[:top]:
        stdout.write(f"  -- {float(query['time']) * 1000:.1f} ms: {query['sql'][:2000]}")
        if not query["sql"].lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            for (line,) in cursor.fetchall():
                stdout.write(f"     {line}")


def run(stdout, *, customers: int, entries: int, explain: bool | None = None) -> list[dict]:
    if explain is None:
        explain = os.environ.get("PAGES_EXPLAIN") == "1"
    tenant = _bench_tenant(customers, entries, stdout)
    with tenant_context(tenant):
        stale, missing = _statistics_ready(tenant)
        if stale or missing:
            stdout.write(
                f"pages: {stale:,} stale and {missing:,} missing statistics rows; Recalculate All first"
            )
            started = time.perf_counter()
            services.recalculate_all(trigger="bench")
            stdout.write(f"pages: recalculated in {time.perf_counter() - started:.1f} s")
        if not KpiSnapshot.objects.filter(date=tenant.today()).exists():
            # what the nightly run leaves: the company's and each branch's KPI snapshot of the day, which
            # the dashboard (with or without a branch context) reads
            started = time.perf_counter()
            services.kpi_snapshot_take(as_of=tenant.today())
            stdout.write(f"pages: today's KPI snapshots taken in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:  # the planner's statistics of what was just rewritten
            cursor.execute("ANALYZE aging_customerstatistics, customers_customer, ledger_customerbranch")
        pages = _pages(tenant)
        user = _bench_user(tenant)
    results = []
    with app_connection():  # as the application serves them, under the tenant policies
        for label, url, branch_id in pages:
            # A fresh session per page: ?branch= sets a branch context kept in the session, which would
            # otherwise carry over to the pages measured after the filtered credit list.
            client = _client(tenant, user, branch_id)
            started = time.perf_counter()
            _get(client, label, url)
            first_ms = (time.perf_counter() - started) * 1000
            if first_ms > HOPELESS_MS:  # far over target: one request says so (30 would take an hour)
                results.append(
                    {"page": label, "url": url, "median_ms": None, "p95_ms": None, "one_ms": first_ms}
                )
                stdout.write(
                    f"{label}: one request {first_ms / 1000:.1f} s (target p95 < {TARGET_MS:.0f} ms: MISSED; "
                    f"not repeated)  {url}"
                )
                if explain:
                    _explain(client, label, url, stdout)
                continue
            for _ in range(WARMUPS - 1):
                _get(client, label, url)
            times = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                _get(client, label, url)
                times.append((time.perf_counter() - started) * 1000)
            median, p95 = statistics.median(times), _percentile(times, 0.95)
            met = p95 < TARGET_MS
            with CaptureQueriesContext(connection) as captured:
                _get(client, label, url)
            db_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
            results.append(
                {
                    "page": label,
                    "url": url,
                    "median_ms": round(median, 1),
                    "p95_ms": round(p95, 1),
                    "queries": len(captured.captured_queries),
                    "db_ms": round(db_ms, 1),
                }
            )
            stdout.write(
                f"{label}: median {median:.0f} ms, p95 {p95:.0f} ms "
                f"(target p95 < {TARGET_MS:.0f} ms: {'met' if met else 'MISSED'}); "
                f"{len(captured.captured_queries)} queries, {db_ms:.0f} ms in the database  {url}"
            )
            if explain and not met:
                _explain(client, label, url, stdout)
    return results
