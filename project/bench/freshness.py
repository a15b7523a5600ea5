"""Freshness under a stream of postings, called by `manage.py bench --only freshness`.

Starts gunicorn (as `bench --only load` does) and a real Celery worker, then posts invoices through the
API (`POST /api/t/bench/entries/`, a personal token) at `RATE` a second for `SECONDS` seconds, each to a
customer drawn from the bench tenant, from `POSTERS` keep-alive connections. For each posting it
measures the time from the API's answer (the posting has committed) until the customer's stored
statistics include it (their `calculated_version` reaches the `ledger_version` the posting left), which
is when the credit list shows the new figures: the debounced Recalculate Entries that the posting
scheduled has run. Prints the rate reached and the freshness's median, 95th percentile and maximum
against the target (p95 < 3 s). The invoices stay in the bench tenant, like the recalculation bench's.
"""

import datetime
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from aging import services
from creditcontrol.celery import app
from creditcontrol.tenancy import tenant_context
from creditcontrol.tokens import create_token

from .load import _free_port, _server, _session_cookie, _stop
from .pages import USERNAME, _percentile
from .recalculation import _bench_tenant

RATE = 50
SECONDS = 20
POSTERS = 4
TARGET_P95_SECONDS = 3.0
SETTLE_SECONDS = 60


def _worker() -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "creditcontrol.settings.local", "DJANGO_DEBUG": "false"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "creditcontrol",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"freshness: the worker exited with {process.returncode}")
        if app.control.ping(timeout=0.5):
            return process
    process.kill()
    raise RuntimeError("freshness: no worker answered a ping within 120 s")


def _versions(tenant, customer_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{customer id: (ledger_version, calculated_version)} of these customers, read now."""
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(
            "SELECT customer_id, ledger_version, calculated_version FROM aging_customerstatistics "
            "WHERE tenant_id = %s AND customer_id = ANY(%s)",
            [tenant.pk, customer_ids],
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def run(stdout, *, customers: int, entries: int) -> dict:
    tenant = _bench_tenant(customers, entries, stdout)
    _session_cookie(tenant)  # the bench manager and its membership
    _, secret = create_token(
        get_user_model().objects.get(username=USERNAME), "freshness bench", expires_in_days=1
    )
    with tenant_context(tenant):
        if services.recalculate_entries(trigger="bench") is not None:
            stdout.write("freshness: stale customers recalculated first")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM customers_customer WHERE tenant_id = %s AND currency_code IN ('', %s) "
                "ORDER BY hashint4(id::int) LIMIT 5000",  # in the local currency: no LCY amount to give
                [tenant.pk, tenant.local_currency],
            )
            customer_ids = [row[0] for row in cursor.fetchall()]
    port = _free_port()
    server, worker = _server(port), _worker()
    posted: list[tuple[int, float, int]] = []  # (customer id, answered at, ledger version it left)
    failures = [0]
    lock = threading.Lock()
    today = tenant.today().isoformat()
    due = (tenant.today() + datetime.timedelta(days=30)).isoformat()
    started = time.monotonic()
    total = RATE * SECONDS

    def poster(number: int) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        chooser = random.Random(number)
        headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        for k in range(number, total, POSTERS):
            wait = started + k / RATE - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            customer_id = chooser.choice(customer_ids)
            body = {
                "external_id": f"FRESH-{uuid.uuid4()}",
                "customer": customer_id,
                "document_type": "invoice",
                "document_no": f"FRESH-{k}",
                "posting_date": today,
                "due_date": due,
                "amount": "10.00",
            }
            client.request("POST", f"/api/t/{tenant.slug}/entries/", body=json.dumps(body), headers=headers)
            response = client.getresponse()
            answer = response.read()
            answered = time.monotonic()
            if response.status != 201:
                with lock:
                    failures[0] += 1
                    if failures[0] == 1:
                        stdout.write(f"freshness: a posting refused: {response.status} {answer[:300]!r}")
                continue
            version = _versions(tenant, [customer_id])[customer_id][0]
            with lock:
                posted.append((customer_id, answered, version))
        client.close()
        connection.close()  # this thread's own

    try:
        threads = [threading.Thread(target=poster, args=(n,)) for n in range(POSTERS)]
        for thread in threads:
            thread.start()
        fresh_after: list[float] = []
        pending: list[tuple[int, float, int]] = []
        deadline = posting_seconds = None
        while True:
            with lock:
                pending += posted
                posted.clear()
            if pending:
                versions = _versions(tenant, sorted({c for c, _, _ in pending}))
                now = time.monotonic()
                still = []
                for customer_id, answered, version in pending:
                    if versions[customer_id][1] >= version:
                        fresh_after.append(now - answered)
                    else:
                        still.append((customer_id, answered, version))
                pending = still
            if not any(thread.is_alive() for thread in threads):
                if deadline is None:
                    posting_seconds = time.monotonic() - started
                    deadline = time.monotonic() + SETTLE_SECONDS
                if not pending and not posted or time.monotonic() > deadline:
                    break
            time.sleep(0.05)
    finally:
        _stop(worker)
        _stop(server)
    rate = (len(fresh_after) + len(pending)) / posting_seconds
    p50, p95 = statistics.median(fresh_after), _percentile(fresh_after, 0.95)
    met = p95 < TARGET_P95_SECONDS and not pending and not failures[0]
    stdout.write(
        f"freshness: {len(fresh_after):,} postings, {rate:.1f}/s for {posting_seconds:.1f} s ({failures[0]} refused, "
        f"{len(pending)} never shown within {SETTLE_SECONDS} s): shown on the credit list after "
        f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(fresh_after):.2f} s "
        f"(target p95 < {TARGET_P95_SECONDS:.0f} s: {'met' if met else 'MISSED'})"
    )
    return {"postings": len(fresh_after), "p50": p50, "p95": p95, "max": max(fresh_after), "rate": rate}
