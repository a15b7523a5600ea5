"""Benchmark of statements sent, called by `manage.py bench --only statements`.

N customers of a tenant of its own ("bench-statements", seeded once with about 20 entries each) get a
one-page statement each by e-mail, the way the balance due report's Contact sends them: one batch
(`messaging.services.batch_start`), made by real Celery worker processes (`--concurrency 2`, this machine's
cores) that render each PDF and hand each message to a real SMTP server (the local one, in this process).
Prints statements per second, the time to the last message handed over against the target (10,000 in
under 10 minutes), and the workers' memory (RSS) as the batch goes, which must stay flat.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

from creditcontrol.mailserver import MailServer
from creditcontrol.models import Tenant
from creditcontrol.rowsecurity import app_connection
from creditcontrol.tenancy import tenant_context
from customers.models import Customer
from ledger.models import LedgerEntry
from messaging.models import Batch, BatchItem, Message, MessageStatus
from messaging.services import batch_start
from project.demo import tenant_seed

SLUG = "bench-statements"
TARGET_SECONDS = 600  # 10,000 statements
BASE_DIR = Path(__file__).resolve().parents[2]


def _tenant(customers: int, stdout) -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(
        slug=SLUG, defaults={"name": "Statements Ltd", "local_currency": "GBP", "time_zone": "Europe/London"}
    )
    tenant_seed(tenant, customers=customers, entries=customers * 20, progress=stdout.write)
    return tenant


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def run(stdout, *, statements: int) -> dict:
    tenant = _tenant(statements, stdout)
    with tenant_context(tenant):
        ids = list(
            Customer.objects.filter(pk__in=LedgerEntry.objects.filter(is_open=True).values("customer_id"))
            .order_by("code")
            .values_list("pk", flat=True)[:statements]
        )
        Message.objects.all().delete()
    maildir = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    with MailServer(maildir / "mail") as server:
        env = {
            **os.environ,
            "EMAIL_URL": server.url,
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "MESSAGING_BATCH_RUNNERS": "2",
            "DJANGO_DEBUG": "false",  # as in production: no query log kept in the workers
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "creditcontrol",
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--purge",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=env,
        )
        try:
            time.sleep(5)  # the worker's start
            with app_connection(), tenant_context(tenant):
                started = time.perf_counter()
                batch = batch_start(
                    customer_ids=ids,
                    channel="email",
                    purpose="statement",
                    as_of=tenant.today(),
                    subject="Statement {{ customer.code }}",
                    body="Dear {{ contact.name }}, your balance is {{ balance }}.\n\n{{ overdue_items }}",
                    send_now=True,
                )
                samples, handed = [], 0
                while True:
                    time.sleep(2)
                    batch.refresh_from_db()
                    items = BatchItem.objects.filter(batch=batch)
                    handed = items.filter(message__status=MessageStatus.SENT).count()
                    failed = items.filter(message__status=MessageStatus.FAILED).count()
                    rss = _rss_mb(_children(worker.pid))
                    samples.append((handed, rss))
                    if batch.status == "finished" and handed + failed >= batch.total - _skipped(batch):
                        break
                    if time.perf_counter() - started > 3 * TARGET_SECONDS:
                        stdout.write("statements: stopped waiting after three times the target")
                        break
                took = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        received = len(server.messages())
        skipped = _skipped(batch)
    rate = handed / took if took else 0
    scaled = 10_000 / rate if rate else float("inf")
    stdout.write(
        f"statements: {len(ids):,} customers chosen, {skipped:,} skipped (no e-mail address or nothing open); "
        f"{handed:,} rendered and handed to SMTP in {took:.1f} s ({rate:.1f}/s; the server "
        f"received {received:,}); 10,000 would take {scaled:.0f} s (target < {TARGET_SECONDS} s: "
        f"{'met' if scaled < TARGET_SECONDS else 'MISSED'})"
    )
    marks = [samples[int(len(samples) * share) - 1] for share in (0.1, 0.5, 1.0) if samples]
    stdout.write(
        "statements: the workers' memory (RSS) at " + ", ".join(f"{n:,} sent: {mb:.0f} MB" for n, mb in marks)
    )
    return {"statements": handed, "seconds": took, "per_second": rate, "rss": marks}


def _skipped(batch: Batch) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM messaging_batchitem WHERE batch_id = %s AND skipped <> ''", [batch.pk]
        )
        return cursor.fetchone()[0]
